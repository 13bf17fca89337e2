using System.Numerics.Tensors;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// One direction of one recurrent layer: its weights W_xh, W_hh, b_xh, b_hh (ONNX layout), the states it caches
/// in forward and the BPTT that consumes them. Time-major buffers: step t of all B sequences is one [B, width]
/// block. The input projection is one matrix product over all T·B rows; only W_hh is applied per step; weight
/// gradients are again one product over all stacked steps.
/// </summary>
/// <remarks>
/// With dilation d the state comes from step t − d (t + d in reverse): the layer is d interleaved recurrences, one
/// per residue k = t mod d, each of ⌈T/d⌉ sub-steps. The time-major [T, B, ·] layout already is
/// [⌈T/d⌉, d·B, ·] with row k·B + b holding step τ·d + k of sequence b, so the direction runs as a batch d times
/// larger over d times fewer steps with the same kernels and no copy; <see cref="DilatedLayout"/> keeps the
/// sub-sequences' lengths and truncation cuts. With d = 1 it is the plain recurrence, operation for operation.
/// </remarks>
internal sealed class RecurrentDirection
{
    private readonly IRecurrentCell _cell;
    private readonly int _gateWidth;
    private readonly PackedMatrix _inputWeightsT, _recurrentWeightsT;

    // W_hh packed for BPTT, made on the first backward pass: a model that only predicts never needs it.
    private PackedMatrix? _recurrentWeights;
    private float[] _inputProjection = [], _states = [], _cells = [], _gates = [], _extra = [];
    private float[] _inputProjectionGradient = [], _recurrentProjectionGradient = [];
    private const int NarrowInput = 32;
    private float[] _inputWeightsGradientT = [];
    private PartScratch[] _scratch = [];
    private float[] _lastInput = [];
    private int _lastInputOffset;
    // _steps sub-steps of _batch = d·B rows; _timeRows = T·B, the rows that hold real inputs and outputs.
    private int _steps, _batch, _timeRows;
    private readonly DilatedLayout _layout;

    public RecurrentDirection(string prefix, IRecurrentCell cell, int inputSize, int hidden, bool reverse, bool useBias,
        int dilation = 1)
    {
        _cell = cell;
        _layout = new DilatedLayout(dilation, reverse);
        InputSize = inputSize;
        Hidden = hidden;
        Reverse = reverse;
        _gateWidth = cell.GateCount * hidden;
        InputWeights = new Parameter(prefix + "W_xh", "W_xh", _gateWidth, inputSize);
        RecurrentWeights = new Parameter(prefix + "W_hh", "W_hh", _gateWidth, hidden);
        _inputWeightsT = new PackedMatrix(inputSize, _gateWidth, hidden);
        _recurrentWeightsT = new PackedMatrix(hidden, _gateWidth, hidden);
        _projectionBias = new float[_gateWidth];
        if (useBias)
        {
            InputBias = new Parameter(prefix + "b_xh", "b", _gateWidth);
            RecurrentBias = new Parameter(prefix + "b_hh", "b", _gateWidth);
        }
    }

    public int InputSize { get; }

    public int Hidden { get; }

    public bool Reverse { get; }

    public IRecurrentCell Cell => _cell;

    /// <summary>d: the state of step t comes from step t − d (forward) or t + d (reverse).</summary>
    public int Dilation => _layout.Dilation;

    public Parameter InputWeights { get; }

    public Parameter RecurrentWeights { get; }

    public Parameter? InputBias { get; }

    public Parameter? RecurrentBias { get; }

    public IEnumerable<Parameter> Parameters =>
        new[] { InputWeights, RecurrentWeights, InputBias, RecurrentBias }.OfType<Parameter>();

    /// <summary>The outputs h_t of the last forward pass as one [T, B, H] block starting at <see cref="OutputOffset"/>.</summary>
    public float[] Output => _states;

    /// <summary>Where h_0 starts in <see cref="Output"/>: after the zero initial slot when running forward in time.</summary>
    public int OutputOffset => Reverse ? 0 : _batch * Hidden;

    private int Slot(int t) => Reverse ? t : t + 1;

    private int PreviousSlot(int t) => Reverse ? t + 1 : t;

    /// <summary>The state a sequence ends in: h at its last valid step (forward) or at step 0 (reverse).</summary>
    public ReadOnlySpan<float> FinalState(int b, int length)
    {
        var (step, row) = _layout.Locate(Reverse ? 0 : length - 1, b);
        return _states.AsSpan((Slot(step) * _batch + row) * Hidden, Hidden);
    }

    /// <summary>
    /// Runs the direction over x [T, B, InputSize] starting at <paramref name="offset"/>; padded steps (t ≥ length)
    /// end with a zero state, as ONNX Runtime's Y does. With <paramref name="training"/> it keeps every step's gates
    /// and cells for <see cref="Backward"/>; without, only the states h_t (<see cref="Output"/>) outlive their step.
    /// </summary>
    public void Forward(float[] x, int offset, int steps, int batch, int[] lengths, int threads, long weightVersion,
        bool training = true)
    {
        _layout.Arrange(steps, batch, lengths);
        lengths = _layout.Lengths;
        _timeRows = steps * batch;
        Allocate(_layout.Steps, _layout.Rows, threads, training);
        steps = _steps;
        batch = _batch;
        _lastInput = x;
        _lastInputOffset = offset;
        int rows = steps * batch, hidden = Hidden;
        // The products want Wᵀ, packed; it is rebuilt only when the weights have changed since the last pass.
        if (weightVersion != _transposedVersion)
        {
            _inputWeightsT.PackTransposeOf(InputWeights.Value);
            _recurrentWeightsT.PackTransposeOf(RecurrentWeights.Value);
            if (InputBias is not null && RecurrentBias is not null)
            {
                if (_cell.AddsToInputProjection)
                    TensorPrimitives.Add(InputBias.Value, RecurrentBias.Value, _projectionBias);
                else
                    InputBias.Value.CopyTo(_projectionBias, 0);
            }
            _transposedVersion = weightVersion;
        }
        if (!_projectPerStep)
        {
            // Rows past T·B (the last sub-step's padding when d does not divide T) keep the bias alone.
            FillInputBias(_inputProjection, rows);
            Gemm.MultiplyParallel(x, InputSize, 1, _inputWeightsT, _inputProjection, _gateWidth, _timeRows,
                accumulate: true, threads, aOffset: offset);
        }
        _states.AsSpan(Slot(Reverse ? steps : -1) * batch * hidden, batch * hidden).Clear();
        if (training)
            _cells.AsSpan(Slot(Reverse ? steps : -1) * batch * hidden, batch * hidden).Clear();

        RunParts(batch, (part, first, count) => ForwardRows(part, first, count, lengths, training));
    }

    // Inference with a few rows per worker or more projects x_t one step at a time into a buffer that stays in
    // cache; a projection of all T steps at once would stream T·B·4H floats through memory twice.
    private bool _projectPerStep;
    private const int PerStepProjectionRows = 4;

    // b_xh, or b_xh + b_hh for cells that add the recurrent product onto the projection; rebuilt with the packing.
    private readonly float[] _projectionBias;

    private void FillInputBias(Span<float> projection, int rows)
    {
        var width = _gateWidth;
        if (InputBias is null)
            projection[..(rows * width)].Clear();
        else
            for (var r = 0; r < rows; r++)
                _projectionBias.CopyTo(projection.Slice(r * width, width));
    }

    private void ForwardRows(int part, int first, int count, int[] lengths, bool training)
    {
        int batch = _batch, hidden = Hidden, width = _gateWidth;
        var scratch = _scratch[part];
        if (!training)
            scratch.Cells.AsSpan(0, count * hidden).Clear();
        for (var i = 0; i < _steps; i++)
        {
            var t = Reverse ? _steps - 1 - i : i;
            var projection = _projectPerStep
                ? scratch.InputProjection.AsSpan(0, count * width)
                : _inputProjection.AsSpan((t * batch + first) * width, count * width);
            if (_projectPerStep)
            {
                FillInputBias(projection, count);
                var inputRows = Math.Min(count, _timeRows - (t * batch + first));
                if (inputRows > 0)
                    Gemm.Multiply(_lastInput.AsSpan(_lastInputOffset + (t * batch + first) * InputSize), InputSize, 1,
                        _inputWeightsT, 0, width, projection, width, inputRows, accumulate: true);
            }
            var step = new CellStep
            {
                Rows = count,
                Hidden = hidden,
                InputProjection = projection,
                RecurrentProjection = scratch.RecurrentProjection,
                PreviousState = _states.AsSpan((PreviousSlot(t) * batch + first) * hidden, count * hidden),
                State = _states.AsSpan((Slot(t) * batch + first) * hidden, count * hidden),
                RecurrentWeightsTransposed = _recurrentWeightsT,
                Descending = i % 2 == 1,
                RecurrentBias = RecurrentBias is null ? default : RecurrentBias.Value,
            };
            if (training)
            {
                step.PreviousCell = _cells.AsSpan((PreviousSlot(t) * batch + first) * hidden, count * hidden);
                step.Cell = _cells.AsSpan((Slot(t) * batch + first) * hidden, count * hidden);
                step.Gates = _gates.AsSpan((t * batch + first) * width, count * width);
                step.Extra = _extra.AsSpan((t * batch + first) * hidden, count * hidden);
            }
            else
            {
                // Nothing looks back past one step: the cells alternate between two halves of one buffer.
                step.PreviousCell = scratch.Cells.AsSpan(i % 2 * count * hidden, count * hidden);
                step.Cell = scratch.Cells.AsSpan((i + 1) % 2 * count * hidden, count * hidden);
                step.Gates = scratch.Gates.AsSpan(0, count * width);
                step.Extra = scratch.Extra.AsSpan(0, count * hidden);
            }
            _cell.Forward(ref step);
            for (var r = 0; r < count; r++)
            {
                if (t >= lengths[first + r])
                {
                    step.State.Slice(r * hidden, hidden).Clear();
                    step.Cell.Slice(r * hidden, hidden).Clear();
                }
            }
        }
    }

    /// <summary>
    /// BPTT over the cached forward pass. <paramref name="outputGradient"/> holds ∂L/∂h_t from above (the head or the
    /// next layer) as [T, B, stride] with this direction's columns at <paramref name="column"/>. Writes this
    /// direction's weight gradients and, when <paramref name="inputGradient"/> is given, adds (or writes) ∂L/∂x_t.
    /// </summary>
    /// <remarks>
    /// With <paramref name="omegaWeight"/> &gt; 0 (Elman cells) it also adds the gradient of Pascanu et al.'s Ω to
    /// W_hh and returns the weighted Ω averaged over the batch; otherwise it returns 0.
    /// </remarks>
    public double Backward(float[] outputGradient, int stride, int column, int[] lengths, int? truncation,
        float[]? inputGradient, bool accumulateInput, AdjointRecorder? recorder, int threads, float omegaWeight = 0)
    {
        var omega = omegaWeight > 0 && _cell is ElmanCell;
        _layout.SetTruncation(truncation);
        lengths = _layout.Lengths;
        _recurrentWeights ??= new PackedMatrix(_gateWidth, Hidden, Hidden);
        _recurrentWeights.Pack(RecurrentWeights.Value);
        RunParts(_batch, (part, first, count) =>
            BackwardRows(part, first, count, outputGradient, stride, column, lengths, recorder, omega));
        AccumulateWeightGradients(threads);
        if (inputGradient is not null)
            Gemm.MultiplyParallel(_inputProjectionGradient, _gateWidth, 1, InputWeights.Value, InputSize,
                inputGradient, InputSize, _timeRows, InputSize, _gateWidth, accumulateInput, threads);
        return omega ? AddOmegaGradient(omegaWeight) : 0;
    }

    // Sums the workers' Ω terms in a fixed order (deterministic), scales by λ/B as the loss is a batch mean.
    private double AddOmegaGradient(float weight)
    {
        var scale = weight / _batch;
        var total = 0.0;
        var gradient = RecurrentWeights.Gradient;
        for (var p = 0; p < _parts; p++)
        {
            var part = _scratch[p];
            total += part.OmegaSum;
            for (var i = 0; i < gradient.Length; i++)
                gradient[i] += (float)(scale * part.OmegaGradient[i]);
        }
        return scale * total;
    }

    // Ω_k = (‖v‖/‖a‖ − 1)² with a = ∂L/∂h_t, d = a ⊙ f'(·) and v = d W_hh, the gradient carried to h_{t-1}.
    // Holding a and f' constant (Pascanu et al.), ∂Ω_k/∂W_hh[i, j] = 2(‖v‖/‖a‖ − 1) d_i v_j / (‖a‖ ‖v‖).
    private static void AccumulateOmega(PartScratch scratch, ReadOnlySpan<float> a, ReadOnlySpan<float> d,
        ReadOnlySpan<float> v, int hidden)
    {
        var m = Math.Sqrt(GateMath.SumOfSquares(a));
        var n = Math.Sqrt(GateMath.SumOfSquares(v));
        if (m < 1e-30 || n < 1e-30)
            return;
        var ratio = n / m - 1;
        scratch.OmegaSum += ratio * ratio;
        var coefficient = 2 * ratio / (m * n);
        for (var i = 0; i < hidden; i++)
        {
            var di = coefficient * d[i];
            var row = scratch.OmegaGradient.AsSpan(i * hidden, hidden);
            for (var j = 0; j < hidden; j++)
                row[j] += di * v[j];
        }
    }

    private void BackwardRows(int part, int first, int count, float[] outputGradient, int stride, int column,
        int[] lengths, AdjointRecorder? recorder, bool omega)
    {
        int batch = _batch, hidden = Hidden, width = _gateWidth;
        var scratch = _scratch[part];
        if (omega)
            scratch.ResetOmega(hidden);
        var dh = scratch.StateGradient.AsSpan(0, count * hidden);
        var carry = scratch.Carry.AsSpan(0, count * hidden);
        var dc = scratch.CellGradient.AsSpan(0, count * hidden);
        carry.Clear();
        dc.Clear();
        var recurrentGradient = _cell is GruCell ? _recurrentProjectionGradient : _inputProjectionGradient;
        for (var i = 0; i < _steps; i++)
        {
            var t = Reverse ? i : _steps - 1 - i;
            for (var r = 0; r < count; r++)
            {
                var row = dh.Slice(r * hidden, hidden);
                if (t >= lengths[first + r])
                {
                    row.Clear();
                    dc.Slice(r * hidden, hidden).Clear();
                    continue;
                }
                TensorPrimitives.Add(outputGradient.AsSpan((t * batch + first + r) * stride + column, hidden),
                    carry.Slice(r * hidden, hidden), row);
            }
            recorder?.Record(t, _layout.Dilation, first, count, dh, dc, hidden);
            var step = new CellStep
            {
                Rows = count,
                Hidden = hidden,
                PreviousState = _states.AsSpan((PreviousSlot(t) * batch + first) * hidden, count * hidden),
                PreviousCell = _cells.AsSpan((PreviousSlot(t) * batch + first) * hidden, count * hidden),
                State = _states.AsSpan((Slot(t) * batch + first) * hidden, count * hidden),
                Cell = _cells.AsSpan((Slot(t) * batch + first) * hidden, count * hidden),
                Gates = _gates.AsSpan((t * batch + first) * width, count * width),
                Extra = _extra.AsSpan((t * batch + first) * hidden, count * hidden),
                RecurrentWeights = _recurrentWeights!,
                StateGradient = dh,
                CellGradient = dc,
                Scratch = scratch.Scratch.AsSpan(0, count * hidden),
                PreviousStateGradient = carry,
                InputProjectionGradient = _inputProjectionGradient.AsSpan((t * batch + first) * width, count * width),
                RecurrentProjectionGradient = recurrentGradient.AsSpan((t * batch + first) * width, count * width),
            };
            _cell.Backward(ref step);
            if (omega)
                AddOmegaTerms(scratch, t, first, count, lengths, dh, step.InputProjectionGradient, carry);
            if (_layout.Truncated)
                DetachBeforeWindow(t, first, count, carry, dc);
        }
    }

    // One Ω term per transition h_{t∓1} → h_t inside the sequence (and inside the truncation window).
    private void AddOmegaTerms(PartScratch scratch, int t, int first, int count, int[] lengths,
        ReadOnlySpan<float> dh, ReadOnlySpan<float> d, ReadOnlySpan<float> carry)
    {
        var hidden = Hidden;
        for (var r = 0; r < count; r++)
        {
            var length = lengths[first + r];
            var hasPrevious = Reverse ? t + 1 < length : t >= 1;
            if (t >= length || !hasPrevious)
                continue;
            if (t == _layout.Cuts[first + r])
                continue;
            AccumulateOmega(scratch, dh.Slice(r * hidden, hidden), d.Slice(r * hidden, hidden),
                carry.Slice(r * hidden, hidden), hidden);
        }
    }

    // Truncated BPTT treats the state entering the window as a constant: the forward direction's window is the
    // last k2 valid steps, the reverse direction's the first k2, so the carry leaving the window's oldest step
    // (of each sub-sequence, when dilated) stops.
    private void DetachBeforeWindow(int t, int first, int count, Span<float> carry, Span<float> dc)
    {
        var cuts = _layout.Cuts;
        for (var r = 0; r < count; r++)
        {
            if (t == cuts[first + r])
            {
                carry.Slice(r * Hidden, Hidden).Clear();
                dc.Slice(r * Hidden, Hidden).Clear();
            }
        }
    }

    // dW_xh = Σ_t dXp_tᵀ x_t and dW_hh = Σ_t dHp_tᵀ h_{t-1}, each as one product over all T·B stacked rows.
    // Only the first T·B rows can hold a gradient; the padding of a dilated layer's last sub-step holds zeros.
    private void AccumulateWeightGradients(int threads)
    {
        int rows = _timeRows, width = _gateWidth, hidden = Hidden;
        var recurrentGradient = _cell is GruCell ? _recurrentProjectionGradient : _inputProjectionGradient;
        if (InputSize < NarrowInput)
        {
            // Few input features make dW_xh's rows too short for the vector kernel: compute dW_xhᵀ = Σ x_tᵀ dXp_t,
            // whose rows are G·H wide, then transpose it into place.
            var transposed = Workspace.Ensure(ref _inputWeightsGradientT, InputSize * width);
            Gemm.MultiplyParallel(_lastInput, 1, InputSize, _inputProjectionGradient, width, transposed, width,
                InputSize, width, rows, accumulate: false, threads, aOffset: _lastInputOffset);
            Workspace.Transpose(transposed.AsSpan(0, InputSize * width), InputSize, width, InputWeights.Gradient);
        }
        else
        {
            Gemm.MultiplyParallel(_inputProjectionGradient, 1, width, _lastInput, InputSize, InputWeights.Gradient,
                InputSize, width, InputSize, rows, accumulate: false, threads, bOffset: _lastInputOffset);
        }
        var previousStates = (Reverse ? _batch : 0) * hidden;
        if (_cell is GruCell { LinearBeforeReset: false })
        {
            // The candidate block multiplies r ⊙ h_{t-1}, kept in Extra, instead of h_{t-1}.
            Gemm.MultiplyParallel(recurrentGradient, 1, width, _states, hidden, RecurrentWeights.Gradient, hidden,
                2 * hidden, hidden, rows, accumulate: false, threads, bOffset: previousStates);
            Gemm.MultiplyParallel(recurrentGradient, 1, width, _extra, hidden, RecurrentWeights.Gradient, hidden,
                hidden, hidden, rows, accumulate: false, threads, aOffset: 2 * hidden, cOffset: 2 * hidden * hidden);
        }
        else
        {
            Gemm.MultiplyParallel(recurrentGradient, 1, width, _states, hidden, RecurrentWeights.Gradient, hidden,
                width, hidden, rows, accumulate: false, threads, bOffset: previousStates);
        }
        if (InputBias is not null)
            SumRows(_inputProjectionGradient, rows, width, InputBias.Gradient);
        if (RecurrentBias is not null)
            SumRows(recurrentGradient, rows, width, RecurrentBias.Gradient);
    }

    private static void SumRows(float[] matrix, int rows, int width, float[] result)
    {
        Array.Clear(result);
        for (var r = 0; r < rows; r++)
            TensorPrimitives.Add(result, matrix.AsSpan(r * width, width), result);
    }

    private void Allocate(int steps, int batch, int threads, bool training)
    {
        _steps = steps;
        _batch = batch;
        int hidden = Hidden, width = _gateWidth;
        var parts = Math.Clamp(threads, 1, batch);
        _projectPerStep = !training && batch / parts >= PerStepProjectionRows;
        if (!_projectPerStep)
            Workspace.Ensure(ref _inputProjection, steps * batch * width);
        Workspace.Ensure(ref _states, (steps + 1) * batch * hidden);
        if (training)
        {
            Workspace.Ensure(ref _gates, steps * batch * width);
            Workspace.Ensure(ref _extra, steps * batch * hidden);
            Workspace.Ensure(ref _cells, (steps + 1) * batch * hidden);
            Workspace.Ensure(ref _inputProjectionGradient, steps * batch * width);
            if (_cell is GruCell)
                Workspace.Ensure(ref _recurrentProjectionGradient, steps * batch * width);
        }
        if (_scratch.Length < parts)
            Array.Resize(ref _scratch, parts);
        var rowsPerPart = (batch + parts - 1) / parts;
        for (var p = 0; p < parts; p++)
        {
            _scratch[p] ??= new PartScratch();
            _scratch[p].Ensure(rowsPerPart, hidden, width, training, !_cell.AddsToInputProjection);
        }
        _parts = parts;
    }

    private int _parts = 1;
    private long _transposedVersion = -1;

    // Sequences are independent in time, so each worker runs the whole time loop for its own rows: one hand-off
    // per pass instead of one per step.
    private void RunParts(int batch, Action<int, int, int> body)
    {
        var rowsPerPart = (batch + _parts - 1) / _parts;
        if (_parts == 1)
        {
            body(0, 0, batch);
            return;
        }
        Parallel.For(0, _parts, new ParallelOptions { MaxDegreeOfParallelism = _parts }, part =>
        {
            var first = part * rowsPerPart;
            var count = Math.Min(rowsPerPart, batch - first);
            if (count > 0)
                body(part, first, count);
        });
    }

    private sealed class PartScratch
    {
        public float[] RecurrentProjection = [], StateGradient = [], Carry = [], CellGradient = [], Scratch = [];

        /// <summary>One step's buffers for inference, which keeps no history but h_t.</summary>
        public float[] InputProjection = [], Gates = [], Extra = [], Cells = [];
        public double[] OmegaGradient = [];
        public double OmegaSum;

        public void ResetOmega(int hidden)
        {
            if (OmegaGradient.Length != hidden * hidden)
                OmegaGradient = new double[hidden * hidden];
            else
                Array.Clear(OmegaGradient);
            OmegaSum = 0;
        }

        public void Ensure(int rows, int hidden, int width, bool training, bool separateRecurrentProjection)
        {
            if (separateRecurrentProjection)
                Workspace.Ensure(ref RecurrentProjection, rows * width);
            if (!training)
            {
                Workspace.Ensure(ref InputProjection, rows * width);
                Workspace.Ensure(ref Gates, rows * width);
                Workspace.Ensure(ref Extra, rows * hidden);
                Workspace.Ensure(ref Cells, 2 * rows * hidden);
                return;
            }
            Workspace.Ensure(ref StateGradient, rows * hidden);
            Workspace.Ensure(ref Carry, rows * hidden);
            Workspace.Ensure(ref CellGradient, rows * hidden);
            Workspace.Ensure(ref Scratch, rows * hidden);
        }
    }
}
