using System.Numerics.Tensors;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// The time loops of a direction with a learned update gate (<see cref="SkipUpdateGate"/>, the Skip RNN).
/// Training runs the cell at every step into the gate's candidate buffers, since the straight-through gradient of
/// u_t needs S̃_t − s_{t−1} even where u_t = 0, and keeps the chosen state in the direction's own histories, which
/// the cell's backward and the weight gradients read as s_{t−1}. Inference runs the cell only for the rows that
/// update: a skipped row copies its state and costs no product.
/// </summary>
internal sealed partial class RecurrentDirection
{
    private readonly SkipUpdateGate? _skip;

    /// <summary>The learned update gate, or null for a direction that updates at every step.</summary>
    public SkipUpdateGate? SkipGate => _skip;

    // Training forward of one worker's rows: the candidate at every step, then the gate's choice.
    private void SkippingTrainingRows(int part, int first, int count, int[] lengths, bool stacked)
    {
        var b = _buffers;
        var gate = _skip!;
        int steps = b.Steps, batch = b.Rows, hidden = Hidden, width = _gateWidth;
        var scratch = b.Part(part);
        var uTilde = gate.Part(part).Carry.AsSpan(0, count);
        uTilde.Fill(1f);
        for (var i = 0; i < steps; i++)
        {
            _cancellation.ThrowIfCancellationRequested();
            var t = Reverse ? steps - 1 - i : i;
            var at = t * batch + first;
            var previousState = b.States.AsSpan((b.PreviousSlot(t) * batch + first) * hidden, count * hidden);
            var projection = b.ProjectPerStep
                ? scratch.InputProjection.AsSpan(0, count * width)
                : b.InputProjection.AsSpan(at * width, count * width);
            var step = new CellStep
            {
                RecurrentProductAdded = b.ProjectPerStep && ProjectStep(scratch, at, count, previousState, projection, stacked),
                Rows = count,
                Hidden = hidden,
                InputProjection = projection,
                RecurrentProjection = scratch.RecurrentProjection,
                PreviousState = previousState,
                PreviousCell = b.Cells.AsSpan((b.PreviousSlot(t) * batch + first) * hidden, count * hidden),
                State = gate.CandidateStates.AsSpan(at * hidden, count * hidden),
                Cell = gate.HasCell ? gate.CandidateCells.AsSpan(at * hidden, count * hidden) : default,
                Gates = b.Gates.AsSpan(at * width, count * width),
                Extra = b.Extra.AsSpan(at * hidden, count * hidden),
                RecurrentWeightsTransposed = _recurrentWeightsT,
                Descending = i % 2 == 1,
                RecurrentBias = RecurrentBias is null ? default : RecurrentBias.Value,
            };
            _cell.Forward(ref step);
            gate.Choose(t, first, count, lengths, uTilde, step.PreviousState, step.PreviousCell, step.State, step.Cell,
                b.States.AsSpan((b.Slot(t) * batch + first) * hidden, count * hidden),
                b.Cells.AsSpan((b.Slot(t) * batch + first) * hidden, count * hidden));
        }
    }

    // Inference of one worker's rows: per step, the rows whose ũ rounds to 1 are gathered and run through the cell
    // together (x_t's projection included); the others copy their state, and their ũ grows by the last Δũ.
    private void SkippingInferenceRows(int part, int first, int count, int[] lengths, bool stacked)
    {
        var b = _buffers;
        var gate = _skip!;
        int steps = b.Steps, batch = b.Rows, hidden = Hidden;
        var own = gate.Part(part);
        var uTilde = own.Carry.AsSpan(0, count);
        var increments = own.Increments.AsSpan(0, count);
        var cells = own.CurrentCells.AsSpan(0, count * hidden);
        uTilde.Fill(1f);
        increments.Clear();
        cells.Clear();
        for (var i = 0; i < steps; i++)
        {
            _cancellation.ThrowIfCancellationRequested();
            var t = Reverse ? steps - 1 - i : i;
            var previousState = b.States.AsSpan((b.PreviousSlot(t) * batch + first) * hidden, count * hidden);
            var state = b.States.AsSpan((b.Slot(t) * batch + first) * hidden, count * hidden);
            var updating = 0;
            for (var r = 0; r < count; r++)
            {
                var valid = t < lengths[first + r];
                var update = valid && uTilde[r] > 0.5f;
                gate.RecordUpdate(t, first + r, update);
                if (update)
                {
                    own.Rows[updating++] = r;
                }
                else if (!valid)
                {
                    state.Slice(r * hidden, hidden).Clear();
                    cells.Slice(r * hidden, hidden).Clear();
                    uTilde[r] = 1f;
                }
                else
                {
                    previousState.Slice(r * hidden, hidden).CopyTo(state.Slice(r * hidden, hidden));
                    uTilde[r] = SkipUpdateGate.Next(false, uTilde[r], increments[r]);
                }
            }
            if (updating > 0)
                UpdateGatheredRows(part, first, t, i, updating, previousState, state, stacked);
        }
    }

    // s_t = cell(x_t, s_{t−1}) for the rows own.Rows[0..k) of one worker, gathered into contiguous scratch, then
    // scattered back with their new Δũ (= ũ_{t+1}, as they updated).
    private void UpdateGatheredRows(int part, int first, int t, int i, int k, ReadOnlySpan<float> previousState,
        Span<float> state, bool stacked)
    {
        var b = _buffers;
        var gate = _skip!;
        var own = gate.Part(part);
        var scratch = b.Part(part);
        int batch = b.Rows, hidden = Hidden, width = _gateWidth, inputs = InputSize;
        var cells = own.CurrentCells;
        var previous = own.PreviousStates.AsSpan(0, k * hidden);
        var previousCells = own.PreviousCells.AsSpan(0, k * hidden);
        var x = _input.Data.AsSpan(_input.Offset);
        var projection = own.Projection.AsSpan(0, k * width);
        FillInputBias(projection, k);
        var depth = inputs + hidden;
        var gathered = stacked
            ? Workspace.Ensure(ref scratch.StackedInput, k * depth).AsSpan(0, k * depth)
            : own.Inputs.AsSpan(0, k * inputs);
        var rowWidth = stacked ? depth : inputs;
        for (var j = 0; j < k; j++)
        {
            var r = own.Rows[j];
            x.Slice((t * batch + first + r) * _input.RowStride, inputs).CopyTo(gathered.Slice(j * rowWidth, inputs));
            var h = previousState.Slice(r * hidden, hidden);
            h.CopyTo(previous.Slice(j * hidden, hidden));
            if (stacked)
                h.CopyTo(gathered.Slice(j * rowWidth + inputs, hidden));
            cells.AsSpan(r * hidden, hidden).CopyTo(previousCells.Slice(j * hidden, hidden));
        }
        Gemm.Multiply(MatrixView.RowMajor(gathered, k, rowWidth), stacked ? _stackedWeightsT! : _inputWeightsT,
            new MatrixSpan(projection, k, width), accumulate: true);
        var step = new CellStep
        {
            RecurrentProductAdded = stacked,
            Inference = true,
            Rows = k,
            Hidden = hidden,
            InputProjection = projection,
            RecurrentProjection = scratch.RecurrentProjection,
            PreviousState = previous,
            PreviousCell = previousCells,
            State = own.States.AsSpan(0, k * hidden),
            Cell = own.Cells.AsSpan(0, k * hidden),
            Gates = scratch.Gates.AsSpan(0, k * width),
            Extra = scratch.Extra.AsSpan(0, k * hidden),
            RecurrentWeightsTransposed = _recurrentWeightsT,
            Descending = i % 2 == 1,
            RecurrentBias = RecurrentBias is null ? default : RecurrentBias.Value,
        };
        _cell.Forward(ref step);
        for (var j = 0; j < k; j++)
        {
            var r = own.Rows[j];
            var h = state.Slice(r * hidden, hidden);
            var c = cells.AsSpan(r * hidden, hidden);
            own.States.AsSpan(j * hidden, hidden).CopyTo(h);
            if (gate.HasCell)
                own.Cells.AsSpan(j * hidden, hidden).CopyTo(c);
            own.Increments[r] = gate.Increment(h, c);
            own.Carry[r] = own.Increments[r];
        }
    }

    // BPTT of one worker's rows through the gate: ∂L/∂s_t gains W_p's path, the updated rows go through the cell's
    // backward, the skipped ones hand ∂L/∂s_t to s_{t−1} as it is, and ∂L/∂ũ is carried back beside it.
    private void SkippingBackwardRows(int part, int first, int count, float[] outputGradient, int stride, int column,
        int[] lengths, TruncationWindow window, AdjointRecorder? recorder, float budget)
    {
        var b = _buffers;
        var gate = _skip!;
        var own = gate.Part(part);
        int steps = b.Steps, batch = b.Rows, hidden = Hidden, width = _gateWidth;
        var scratch = b.Part(part);
        var dh = scratch.StateGradient.AsSpan(0, count * hidden);
        var carry = scratch.Carry.AsSpan(0, count * hidden);
        var dc = scratch.CellGradient.AsSpan(0, count * hidden);
        var uCarry = own.CarryGradient.AsSpan(0, count);
        var passState = own.PassState.AsSpan(0, count * hidden);
        var passCell = own.PassCell.AsSpan(0, count * hidden);
        carry.Clear();
        dc.Clear();
        uCarry.Clear();
        for (var i = 0; i < steps; i++)
        {
            _cancellation.ThrowIfCancellationRequested();
            var t = Reverse ? i : steps - 1 - i;
            var at = t * batch + first;
            for (var r = 0; r < count; r++)
            {
                var row = dh.Slice(r * hidden, hidden);
                if (t >= lengths[first + r])
                {
                    row.Clear();
                    dc.Slice(r * hidden, hidden).Clear();
                    continue;
                }
                TensorPrimitives.Add(outputGradient.AsSpan((at + r) * stride + column, hidden),
                    carry.Slice(r * hidden, hidden), row);
            }
            var step = new CellStep
            {
                Rows = count,
                Hidden = hidden,
                PreviousState = b.States.AsSpan((b.PreviousSlot(t) * batch + first) * hidden, count * hidden),
                PreviousCell = b.Cells.AsSpan((b.PreviousSlot(t) * batch + first) * hidden, count * hidden),
                State = gate.CandidateStates.AsSpan(at * hidden, count * hidden),
                Cell = gate.HasCell ? gate.CandidateCells.AsSpan(at * hidden, count * hidden) : default,
                Gates = b.Gates.AsSpan(at * width, count * width),
                Extra = b.Extra.AsSpan(at * hidden, count * hidden),
                RecurrentWeights = _recurrentWeights!,
                StateGradient = dh,
                CellGradient = dc,
                Scratch = scratch.Scratch.AsSpan(0, count * hidden),
                PreviousStateGradient = carry,
                InputProjectionGradient = b.InputProjectionGradient.AsSpan(at * width, count * width),
                RecurrentProjectionGradient = b.RecurrentProjectionGradient.AsSpan(at * width, count * width),
            };
            gate.Backward(t, first, count, lengths, dh, dc, uCarry, passState, passCell, step.PreviousState,
                step.PreviousCell, step.State, step.Cell, budget, recorder, _layout.Dilation);
            _cell.Backward(ref step);
            TensorPrimitives.Add(carry, passState, carry);
            if (gate.HasCell)
                TensorPrimitives.Add(dc, passCell, dc);
            if (!window.Truncated)
                continue;
            for (var r = 0; r < count; r++)
            {
                if (window.EntersAt(first + r, t))
                    uCarry[r] = 0;
            }
            window.Detach(t, first, count, hidden, carry, dc);
        }
    }
}
