using System.Numerics.Tensors;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// One direction of one recurrent layer: its weights W_xh, W_hh, b_xh, b_hh (ONNX layout), the states it caches
/// in forward and the BPTT that consumes them. Time-major buffers: step t of all B sequences is one [B, width]
/// block. The input projection is one matrix product over all T·B rows; only W_hh is applied per step; weight
/// gradients are again one product over all stacked steps (<see cref="WeightGradients"/>). Its histories live in
/// <see cref="DirectionBuffers"/>; Ω in <see cref="OmegaRegularizer"/>, the truncation cut in <see cref="TruncationWindow"/>.
/// </summary>
/// <remarks>
/// With dilation d the state comes from step t − d (t + d in reverse): the layer is d interleaved recurrences, one
/// per residue k = t mod d, each of ⌈T/d⌉ sub-steps. The time-major [T, B, ·] layout already is
/// [⌈T/d⌉, d·B, ·] with row k·B + b holding step τ·d + k of sequence b, so the direction runs as a batch d times
/// larger over d times fewer steps with the same kernels and no copy; <see cref="DilatedLayout"/> keeps the
/// sub-sequences' lengths and truncation cuts. With d = 1 it is the plain recurrence, operation for operation.
/// </remarks>
internal sealed partial class RecurrentDirection
{
    private readonly IRecurrentCell _cell;
    private readonly int _gateWidth;
    private readonly PackedMatrix _inputWeightsT, _recurrentWeightsT;
    private readonly DilatedLayout _layout;
    private CancellationToken _cancellation; // StepCancellation.Current of the pass under way
    private readonly DirectionBuffers _buffers;
    private readonly WeightGradients _weightGradients;

    // b_xh, or b_xh + b_hh for cells that add the recurrent product onto the projection; rebuilt with the packing.
    private readonly float[] _projectionBias;

    // [W_xhᵀ ; W_hhᵀ] packed, [I + H, GH], for inference steps of cells that add the recurrent product onto x_t's
    // projection: one product over [x_t | h_{t-1}] per step instead of x_t·W_xhᵀ (a short K = I) and then
    // h_{t-1}·W_hhᵀ onto it, so C is read and written once. Each element's FMA chain (bias, the x terms, the h terms,
    // k ascending) is the two products' chain, so the bits are the same. Made on the first such pass.
    private PackedMatrix? _stackedWeightsT;
    private long _stackedVersion = -1;

    // W_hh packed for BPTT, made on the first backward pass: a model that only predicts never needs it.
    private PackedMatrix? _recurrentWeights;
    private OmegaRegularizer? _omega;
    private long _transposedVersion = -1, _biasVersion = -1;

    // x [T·B, I] of the last forward pass; T·B rows hold real inputs and outputs, the sub-steps may hold more (the
    // last one's padding when d does not divide T).
    private StridedMatrix _input;

    public RecurrentDirection(string prefix, IRecurrentCell cell, int inputSize, int hidden, bool reverse, bool useBias,
        int dilation = 1, SkipUpdateGate? skip = null)
    {
        _cell = cell;
        _skip = skip;
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
        _buffers = new DirectionBuffers(cell, hidden, reverse);
        _weightGradients = new WeightGradients(cell, inputSize, hidden);
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
        new[] { InputWeights, RecurrentWeights, InputBias, RecurrentBias, _skip?.Weights, _skip?.Bias }.OfType<Parameter>();

    /// <summary>The outputs h_t of the last forward pass as one [T, B, H] block starting at <see cref="OutputOffset"/>.</summary>
    public float[] Output => _buffers.States;

    /// <summary>Whether the last pass kept every step's [x_t | h_{t-1}] for one joint weight-gradient product.</summary>
    internal bool KeptStepInputs => _buffers.StepInputWidth > 0;

    /// <summary>Where h_0 starts in <see cref="Output"/>: after the zero initial slot when running forward in time.</summary>
    public int OutputOffset => Reverse ? 0 : _buffers.Rows * Hidden;

    /// <summary>The state a sequence ends in: h at its last valid step (forward) or at step 0 (reverse).</summary>
    public ReadOnlySpan<float> FinalState(int b, int length)
    {
        var (step, row) = _layout.Locate(Reverse ? 0 : length - 1, b);
        return _buffers.States.AsSpan((_buffers.Slot(step) * _buffers.Rows + row) * Hidden, Hidden);
    }

    /// <summary>The LSTM's cell c at the same step as <see cref="FinalState"/>; kept only by a training pass.</summary>
    public ReadOnlySpan<float> FinalCell(int b, int length)
    {
        var (step, row) = _layout.Locate(Reverse ? 0 : length - 1, b);
        return _buffers.Cells.AsSpan((_buffers.Slot(step) * _buffers.Rows + row) * Hidden, Hidden);
    }

    /// <summary>
    /// Runs the direction over x [T, B, InputSize] starting at <paramref name="offset"/>; padded steps (t ≥ length)
    /// end with a zero state, as ONNX Runtime's Y does. With <paramref name="training"/> it keeps every step's gates
    /// and cells for <see cref="Backward"/>; without, only the states h_t (<see cref="Output"/>) outlive their step.
    /// A <paramref name="boundary"/> gives the initial state (zeros otherwise).
    /// </summary>
    public void Forward(float[] x, int offset, int steps, int batch, int[] lengths, int threads, long weightVersion,
        bool training = true, DirectionBoundary? boundary = null)
    {
        if (boundary is not null && (Reverse || Dilation != 1 || _skip is not null))
            throw new InvalidOperationException("Only a forward, undilated direction without skip gates starts from a given state.");
        _cancellation = StepCancellation.Current;
        _cancellation.ThrowIfCancellationRequested();
        _layout.Arrange(steps, batch, lengths);
        lengths = _layout.Lengths;
        _input = StridedMatrix.RowMajor(x, steps * batch, InputSize, offset);
        // One product per step over [x_t | h_{t-1}] (or x_t's own, for the GRU) pays when it is one depth block of
        // the kernels: C, the step's pre-activations, then stays in cache from the bias to the gates and is read and
        // written once. Deeper, the blocks pass over C as often either way, and the copy of x_t and h_{t-1} side by
        // side is pure cost to training (measured at I = 64, H = 512). Inference projects per step at any depth (its
        // projection of all steps would only stream through memory), as one product over [x_t | h_{t-1}] where the
        // cell allows: at I = 64, H = 512 that took 0.96× the thread time of the two products (batch 64, AMD EPYC,
        // AVX2); training projects per step where it fits.
        var stepFitsOneBlock = InputSize + Hidden <= KernelPlan.Active.DepthBlock;
        _buffers.Allocate(_layout.Steps, _layout.Rows, threads, training, trainingProjectsPerStep: stepFitsOneBlock);
        steps = _buffers.Steps;
        batch = _buffers.Rows;
        int rows = steps * batch, hidden = Hidden;
        _skip?.Allocate(steps, batch, _buffers.Parts, (batch + _buffers.Parts - 1) / _buffers.Parts, InputSize, _gateWidth,
            training);
        // A skipping inference projects x_t only for the rows that update, one step at a time.
        var projectPerStep = _buffers.ProjectPerStep || (_skip is not null && !training);
        var stacked = projectPerStep && _cell.AddsToInputProjection && (stepFitsOneBlock || !training);
        // W_xhᵀ and W_hhᵀ packed apart are read only where some step does not run the one product: rows past the input
        // (a dilated layer's padding) or skip gates. Otherwise packing them would be all the pass does with them.
        PackWeights(weightVersion, separately: !stacked || _skip is not null || _input.Rows != rows);
        if (!projectPerStep)
        {
            // Rows past T·B (the last sub-step's padding when d does not divide T) keep the bias alone.
            FillInputBias(_buffers.InputProjection, rows);
            Gemm.MultiplyParallel(_input, _inputWeightsT,
                StridedMatrix.RowMajor(_buffers.InputProjection, _input.Rows, _gateWidth), accumulate: true, threads);
        }
        var gateTiles = UsesGateTiles(training, stacked, rows, weightVersion);
        if (stacked && !gateTiles && weightVersion != _stackedVersion)
        {
            _stackedWeightsT ??= new PackedMatrix(InputSize + hidden, _gateWidth, hidden);
            _stackedWeightsT.PackTransposeOf(InputWeights.Value, 0, InputSize);
            _stackedWeightsT.PackTransposeOf(RecurrentWeights.Value, InputSize, hidden);
            _stackedVersion = weightVersion;
        }
        // A training pass of the one-product step keeps every step's [x_t | h_{t-1}], which it copies anyway, so that
        // dW_xh and dW_hh become one product over them (WeightGradients). Not where some step has rows past the input
        // (a dilated layer's padding keeps the bias alone and copies nothing) or skip gates choose the state, and
        // only where the rows are no wider than the projection of every step that this pass does not keep (the LSTM's
        // 4H; never the Elman cell's H), so a pass never holds more than NetworkShape's estimate counts.
        var panel = KernelPlan.Active.PanelWidth;
        var stepInputWidth = (InputSize + hidden + panel - 1) / panel * panel;
        if (training && stacked && _skip is null && _input.Rows == rows && stepInputWidth <= _gateWidth
            && KernelPlan.Active.JointWeightGradients)
            _buffers.KeepStepInputs(stepInputWidth);
        var initial = _buffers.Slot(Reverse ? steps : -1) * batch * hidden;
        SetOrClear(boundary?.InitialState, _buffers.States.AsSpan(initial, batch * hidden));
        if (training)
            SetOrClear(boundary?.InitialCell, _buffers.Cells.AsSpan(initial, batch * hidden));

        if (_skip is null)
        {
            // A batch of one on more than one thread: its units split across two (RecurrentDirection.UnitSplit.cs).
            if (UnitSplitApplies(training, threads) && TryForwardUnitSplit(lengths, boundary?.InitialCell))
                return;
            _buffers.RunParts((part, first, count) => ForwardRows(part, first, count, lengths, training, stacked,
                boundary?.InitialCell, gateTiles));
            return;
        }
        if (training)
            _buffers.RunParts((part, first, count) => SkippingTrainingRows(part, first, count, lengths, stacked));
        else
            _buffers.RunParts((part, first, count) => SkippingInferenceRows(part, first, count, lengths, stacked));
        _skip.Count(lengths);
    }

    // The rows of a given initial state from `offset` on, or zeros.
    private static void SetOrClear(float[]? given, Span<float> destination, int offset = 0)
    {
        if (given is null)
            destination.Clear();
        else
            given.AsSpan(offset, destination.Length).CopyTo(destination);
    }

    // The products want Wᵀ, packed (W_xhᵀ and W_hhᵀ apart only when asked: see Forward); each is rebuilt only when
    // the weights have changed since it was last made.
    private void PackWeights(long weightVersion, bool separately = true)
    {
        if (weightVersion != _biasVersion)
        {
            if (InputBias is not null && RecurrentBias is not null)
            {
                if (_cell.AddsToInputProjection)
                    TensorPrimitives.Add(InputBias.Value, RecurrentBias.Value, _projectionBias);
                else
                    InputBias.Value.CopyTo(_projectionBias, 0);
            }
            _biasVersion = weightVersion;
        }
        if (!separately || weightVersion == _transposedVersion)
            return;
        _inputWeightsT.PackTransposeOf(InputWeights.Value);
        _recurrentWeightsT.PackTransposeOf(RecurrentWeights.Value);
        _transposedVersion = weightVersion;
    }

    private void FillInputBias(Span<float> projection, int rows)
    {
        var width = _gateWidth;
        if (InputBias is null)
            projection[..(rows * width)].Clear();
        else
            for (var r = 0; r < rows; r++)
                _projectionBias.CopyTo(projection.Slice(r * width, width));
    }

    // The forward time loop of one worker's rows first..first+count.
    // With `stacked`, x_t's and h_{t-1}'s products are one (ProjectStacked); with `gateTiles` (LSTM inference) each
    // step is GateTileStep.
    private void ForwardRows(int part, int first, int count, int[] lengths, bool training, bool stacked,
        float[]? initialCell = null, bool gateTiles = false)
    {
        var b = _buffers;
        int steps = b.Steps, batch = b.Rows, hidden = Hidden, width = _gateWidth;
        var scratch = b.Part(part);
        if (!training)
            SetOrClear(initialCell, scratch.Cells.AsSpan(0, count * hidden), first * hidden);
        for (var i = 0; i < steps; i++)
        {
            _cancellation.ThrowIfCancellationRequested();
            var t = Reverse ? steps - 1 - i : i;
            var projection = b.ProjectPerStep
                ? scratch.InputProjection.AsSpan(0, count * width)
                : b.InputProjection.AsSpan((t * batch + first) * width, count * width);
            var previousState = b.States.AsSpan((b.PreviousSlot(t) * batch + first) * hidden, count * hidden);
            if (gateTiles)
            {
                var cell = scratch.Cells.AsSpan((i + 1) % 2 * count * hidden, count * hidden);
                var state = b.States.AsSpan((b.Slot(t) * batch + first) * hidden, count * hidden);
                GateTileStep(t, first, count, previousState, scratch.Cells.AsSpan(i % 2 * count * hidden, count * hidden),
                    state, cell);
                ClearEnded(t, first, count, lengths, state, cell);
                continue;
            }
            var recurrentAdded = b.ProjectPerStep && ProjectStep(scratch, t * batch + first, count, previousState, projection,
                stacked);
            var step = new CellStep
            {
                RecurrentProductAdded = recurrentAdded,
                Inference = !training,
                Rows = count,
                Hidden = hidden,
                InputProjection = projection,
                RecurrentProjection = scratch.RecurrentProjection,
                PreviousState = previousState,
                State = b.States.AsSpan((b.Slot(t) * batch + first) * hidden, count * hidden),
                RecurrentWeightsTransposed = _recurrentWeightsT,
                Descending = i % 2 == 1,
                RecurrentBias = RecurrentBias is null ? default : RecurrentBias.Value,
            };
            if (training)
            {
                step.PreviousCell = b.Cells.AsSpan((b.PreviousSlot(t) * batch + first) * hidden, count * hidden);
                step.Cell = b.Cells.AsSpan((b.Slot(t) * batch + first) * hidden, count * hidden);
                step.Gates = b.Gates.AsSpan((t * batch + first) * width, count * width);
                step.Extra = b.Extra.AsSpan((t * batch + first) * hidden, count * hidden);
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
            ClearEnded(t, first, count, lengths, step.State, step.Cell);
        }
    }

    // Sequences that have ended by step t get a zero state and cell there.
    private void ClearEnded(int t, int first, int count, int[] lengths, Span<float> state, Span<float> cell)
    {
        var hidden = Hidden;
        for (var r = 0; r < count; r++)
        {
            if (t >= lengths[first + r])
            {
                state.Slice(r * hidden, hidden).Clear();
                cell.Slice(r * hidden, hidden).Clear();
            }
        }
    }

    // The projection of one step's rows from `at` (rows past the input, a dilated layer's last sub-step's padding,
    // keep the bias alone); returns whether h_{t-1}'s product is in it too (the one-product step).
    private bool ProjectStep(DirectionBuffers.PartScratch scratch, int at, int count, ReadOnlySpan<float> previousState,
        Span<float> projection, bool stacked)
    {
        FillInputBias(projection, count);
        var inputRows = Math.Min(count, _input.Rows - at);
        if (stacked && inputRows == count)
        {
            ProjectStacked(scratch, at, _input.RowRange(at, count), previousState, projection);
            return true;
        }
        if (inputRows > 0)
            Gemm.Multiply(_input.RowRange(at, inputRows), _inputWeightsT, new MatrixSpan(projection, inputRows, _gateWidth),
                accumulate: true);
        return false;
    }

    // projection += [x_t | h_{t-1}] · [W_xhᵀ ; W_hhᵀ] for one worker's rows from `at`: x_t and h_{t-1} side by side,
    // in the pass's kept step inputs when it keeps them (the padding columns written as zeros), else in the worker's
    // scratch, then one product.
    private void ProjectStacked(DirectionBuffers.PartScratch scratch, int at, MatrixView input,
        ReadOnlySpan<float> previousState, Span<float> projection)
    {
        int rows = input.Rows, inputs = InputSize, hidden = Hidden, depth = inputs + hidden;
        var width = _buffers.StepInputWidth;
        var stacked = width > 0
            ? _buffers.StepInputs.AsSpan(at * width, rows * width)
            : Workspace.Ensure(ref scratch.StackedInput, rows * depth).AsSpan(0, rows * depth);
        if (width == 0)
            width = depth;
        for (var r = 0; r < rows; r++)
        {
            input.Data.Slice(r * input.RowStride, inputs).CopyTo(stacked.Slice(r * width, inputs));
            previousState.Slice(r * hidden, hidden).CopyTo(stacked.Slice(r * width + inputs, hidden));
            stacked.Slice(r * width + depth, width - depth).Clear();
        }
        Gemm.Multiply(new MatrixView(stacked, rows, depth, width, 1), _stackedWeightsT!,
            new MatrixSpan(projection, rows, _gateWidth), accumulate: true);
    }

    /// <summary>
    /// BPTT over the cached forward pass. <paramref name="outputGradient"/> holds ∂L/∂h_t from above (the head or the
    /// next layer) as [T, B, stride] with this direction's columns at <paramref name="column"/>. Writes this
    /// direction's weight gradients and, when <paramref name="inputGradient"/> is given, adds (or writes) ∂L/∂x_t.
    /// </summary>
    /// <remarks>
    /// With <paramref name="omegaWeight"/> &gt; 0 (cells that support Ω: the Elman cell) it also adds the gradient of
    /// Pascanu et al.'s Ω to W_hh and returns the weighted Ω averaged over the batch; otherwise it returns 0.
    /// <paramref name="segments"/> reads <paramref name="truncation"/> as per-step losses' segments of k steps
    /// (<see cref="DilatedLayout.SetSegments"/>) instead of one window. <paramref name="adjointOnly"/> propagates the
    /// adjoint (for the recorder and ∂L/∂x_t) without touching the weight gradients. <paramref name="skipBudget"/> is
    /// ∂L/∂u_t of a skipping direction's budget term (λ over the loss's divisor).
    /// </remarks>
    public double Backward(float[] outputGradient, int stride, int column, int[] lengths, int? truncation,
        float[]? inputGradient, bool accumulateInput, AdjointRecorder? recorder, int threads, float omegaWeight = 0,
        bool segments = false, bool adjointOnly = false, float skipBudget = 0, DirectionBoundary? boundary = null)
    {
        _cancellation = StepCancellation.Current;
        _cancellation.ThrowIfCancellationRequested();
        var omega = omegaWeight > 0 && _cell.SupportsOmega && _skip is null && !adjointOnly ? _omega ??= new OmegaRegularizer() : null;
        if (segments)
            _layout.SetSegments(truncation);
        else
            _layout.SetTruncation(truncation);
        lengths = _layout.Lengths;
        var window = new TruncationWindow(_layout);
        _recurrentWeights ??= new PackedMatrix(_gateWidth, Hidden, Hidden);
        _recurrentWeights.Pack(RecurrentWeights.Value);
        omega?.Reset(_buffers.Parts, Hidden);
        if (_skip is null)
            _buffers.RunParts((part, first, count) =>
                BackwardRows(part, first, count, outputGradient, stride, column, lengths, window, recorder, omega,
                    boundary));
        else
            _buffers.RunParts((part, first, count) => SkippingBackwardRows(part, first, count, outputGradient, stride,
                column, lengths, window, recorder, skipBudget));
        var previousStates = StridedMatrix.RowMajor(_buffers.States, _input.Rows, Hidden,
            (Reverse ? _buffers.Rows : 0) * Hidden);
        if (!adjointOnly)
        {
            _weightGradients.Accumulate(_input, _buffers, previousStates, InputWeights, RecurrentWeights, InputBias,
                RecurrentBias, threads, _buffers.StepInputWidth == 0 ? null
                    : StridedMatrix.RowMajor(_buffers.StepInputs, _input.Rows, _buffers.StepInputWidth));
            _skip?.AccumulateGradients(_buffers.States, _buffers.Cells, OutputOffset);
        }
        if (inputGradient is not null)
            Gemm.MultiplyParallel(StridedMatrix.RowMajor(_buffers.InputProjectionGradient, _input.Rows, _gateWidth),
                StridedMatrix.RowMajor(InputWeights.Value, _gateWidth, InputSize),
                StridedMatrix.RowMajor(inputGradient, _input.Rows, InputSize), accumulateInput, threads);
        return omega?.AddGradient(omegaWeight, _buffers.Rows, _buffers.Parts, RecurrentWeights.Gradient) ?? 0;
    }

    // The BPTT time loop of one worker's rows first..first+count, from the last step to the first.
    private void BackwardRows(int part, int first, int count, float[] outputGradient, int stride, int column,
        int[] lengths, TruncationWindow window, AdjointRecorder? recorder, OmegaRegularizer? omega,
        DirectionBoundary? boundary)
    {
        var b = _buffers;
        int steps = b.Steps, batch = b.Rows, hidden = Hidden, width = _gateWidth;
        var scratch = b.Part(part);
        var dh = scratch.StateGradient.AsSpan(0, count * hidden);
        var carry = scratch.Carry.AsSpan(0, count * hidden);
        var dc = scratch.CellGradient.AsSpan(0, count * hidden);
        carry.Clear();
        dc.Clear();
        var recurrentGradient = b.RecurrentProjectionGradient;
        for (var i = 0; i < steps; i++)
        {
            _cancellation.ThrowIfCancellationRequested();
            var t = Reverse ? i : steps - 1 - i;
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
                // The final cell handed on past the last step (an encoder's c) brings its own ∂L/∂c.
                if (boundary?.FinalCellGradient is { } finalCell && t == lengths[first + r] - 1)
                    TensorPrimitives.Add(dc.Slice(r * hidden, hidden),
                        finalCell.AsSpan((first + r) * hidden, hidden), dc.Slice(r * hidden, hidden));
            }
            // Without a cell state ∂L/∂c is all zeros: its sum of squares would add +0 to each norm.
            recorder?.Record(t, _layout.Dilation, first, count, dh, _cell.HasCellState ? dc : default, hidden);
            var step = new CellStep
            {
                Rows = count,
                Hidden = hidden,
                PreviousState = b.States.AsSpan((b.PreviousSlot(t) * batch + first) * hidden, count * hidden),
                PreviousCell = b.Cells.AsSpan((b.PreviousSlot(t) * batch + first) * hidden, count * hidden),
                State = b.States.AsSpan((b.Slot(t) * batch + first) * hidden, count * hidden),
                Cell = b.Cells.AsSpan((b.Slot(t) * batch + first) * hidden, count * hidden),
                Gates = b.Gates.AsSpan((t * batch + first) * width, count * width),
                Extra = b.Extra.AsSpan((t * batch + first) * hidden, count * hidden),
                RecurrentWeights = _recurrentWeights!,
                StateGradient = dh,
                CellGradient = dc,
                Scratch = scratch.Scratch.AsSpan(0, count * hidden),
                PreviousStateGradient = carry,
                InputProjectionGradient = b.InputProjectionGradient.AsSpan((t * batch + first) * width, count * width),
                RecurrentProjectionGradient = recurrentGradient.AsSpan((t * batch + first) * width, count * width),
            };
            _cell.Backward(ref step);
            omega?.AddTerms(part, t, first, count, lengths, window, Reverse, dh, step.InputProjectionGradient, carry,
                hidden);
            if (window.Truncated)
                window.Detach(t, first, count, hidden, carry, dc);
        }
        // After step 0 the carry is ∂L/∂h_0 and dc is ∂L/∂c_0: the given initial state's gradient.
        if (boundary?.InitialStateGradient is { } dh0)
            carry.CopyTo(dh0.AsSpan(first * hidden, count * hidden));
        if (boundary?.InitialCellGradient is { } dc0)
            dc.CopyTo(dc0.AsSpan(first * hidden, count * hidden));
    }
}
