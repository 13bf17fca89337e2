using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Cells;

/// <summary>
/// LSTM with the ONNX gate order i, o, f, c (no peepholes): c_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t).
/// The additive cell path ∂c_t/∂c_{t-1} = diag(f) is what lets gradients survive many steps.
/// </summary>
internal sealed class LstmCell : IRecurrentCell
{
    public int GateCount => 4;

    public bool AddsToInputProjection => true;

    public bool HasCellState => true;

    public void Forward(ref CellStep s)
    {
        if (!s.RecurrentProductAdded)
            RecurrentProduct.AddTo(s.PreviousState, s.Rows, s.RecurrentWeightsTransposed, s.InputProjection,
                s.Descending);
        Activate(ref s);
    }

    /// <summary>The step after the product: gates, c_t, tanh c_t and h_t from the pre-activations z.</summary>
    internal static void Activate(ref CellStep s)
    {
        int hidden = s.Hidden, width = 4 * hidden;
        for (var r = 0; r < s.Rows; r++)
        {
            // Inference writes o over its own pre-activations, in a row already in L1, instead of into Gates.
            var gates = s.Inference ? s.InputProjection : s.Gates;
            var row = new ForwardRow(s.InputProjection.Slice(r * width, width), gates.Slice(r * width, width),
                s.PreviousCell.Slice(r * hidden, hidden), s.Cell.Slice(r * hidden, hidden),
                s.Extra.Slice(r * hidden, hidden), s.State.Slice(r * hidden, hidden), !s.Inference);
            ColumnKernel.Run(ref row, hidden);
        }
    }

    // One sequence's step, fused so the gate pre-activations are squashed and combined in registers instead
    // of one sweep over the row per operation. Two passes, because the chain z → σ/tanh → c → tanh c → h is too
    // long for the processor to overlap many columns: the first holds four independent exponentials per column,
    // the second one.
    // Without `keep` (inference) only o is stored, for the second pass: nothing reads i, f, g or tanh c later. The
    // gates may be the pre-activations themselves: each vector of z is read before o is written over it.
    private readonly ref struct ForwardRow(ReadOnlySpan<float> preActivations, Span<float> gates,
        ReadOnlySpan<float> previousCell, Span<float> cell, Span<float> tanhCell, Span<float> h, bool keep) : IColumnKernel
    {
        private readonly bool _keep = keep;
        private readonly ref float _z = ref MemoryMarshal.GetReference(preActivations);
        private readonly ref float _gates = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _previousCell = ref MemoryMarshal.GetReference(previousCell);
        private readonly ref float _cell = ref MemoryMarshal.GetReference(cell);
        private readonly ref float _tanhCell = ref MemoryMarshal.GetReference(tanhCell);
        private readonly ref float _h = ref MemoryMarshal.GetReference(h);

        // A call of its own, not inlined into ColumnKernel.Run: as its own compilation it has the inlining budget for
        // every activation (inlined into Run, the JIT ran out of budget and called Sigmoid and Tanh, passing vectors
        // through memory).
        [MethodImpl(MethodImplOptions.NoInlining)]
        public int Columns<TOps, TV>(int j, int hidden)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            var first = j;
            for (; j + TOps.Count <= hidden; j += TOps.Count)
            {
                var i = Activations.Sigmoid<TOps, TV>(TOps.Load(ref _z, j));
                var o = Activations.Sigmoid<TOps, TV>(TOps.Load(ref _z, j + hidden));
                var f = Activations.Sigmoid<TOps, TV>(TOps.Load(ref _z, j + 2 * hidden));
                var g = Activations.Tanh<TOps, TV>(TOps.Load(ref _z, j + 3 * hidden));
                TOps.Store(o, ref _gates, j + hidden);
                if (_keep)
                {
                    TOps.Store(i, ref _gates, j);
                    TOps.Store(f, ref _gates, j + 2 * hidden);
                    TOps.Store(g, ref _gates, j + 3 * hidden);
                }
                TOps.Store(TOps.MultiplyAdd(f, TOps.Load(ref _previousCell, j), TOps.Multiply(i, g)), ref _cell, j);
            }
            for (var k = first; k < j; k += TOps.Count)
            {
                var tanhC = Activations.Tanh<TOps, TV>(TOps.Load(ref _cell, k));
                if (_keep)
                    TOps.Store(tanhC, ref _tanhCell, k);
                TOps.Store(TOps.Multiply(TOps.Load(ref _gates, k + hidden), tanhC), ref _h, k);
            }
            return j;
        }
    }

    public void Backward(ref CellStep s)
    {
        int hidden = s.Hidden, width = 4 * hidden;
        for (var r = 0; r < s.Rows; r++)
        {
            var row = new BackwardRow(s.Gates.Slice(r * width, width), s.Extra.Slice(r * hidden, hidden),
                s.PreviousCell.Slice(r * hidden, hidden), s.StateGradient.Slice(r * hidden, hidden),
                s.CellGradient.Slice(r * hidden, hidden), s.InputProjectionGradient.Slice(r * width, width));
            ColumnKernel.Run(ref row, hidden);
        }
        RecurrentProduct.Backward(s.InputProjectionGradient, s.Rows, s.RecurrentWeights, s.PreviousStateGradient,
            0, width, accumulate: false);
    }

    // One fused pass per row: dc = dc_next + dh ⊙ o ⊙ (1 − tanh²c); the four gate pre-activation gradients;
    // and dc_{t-1} = dc ⊙ f written back over the incoming cell gradient.
    private readonly ref struct BackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> tanhCell,
        ReadOnlySpan<float> previousCell, ReadOnlySpan<float> dh, Span<float> dcCarry, Span<float> dz) : IColumnKernel
    {
        private readonly ref float _gates = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _tanhCell = ref MemoryMarshal.GetReference(tanhCell);
        private readonly ref float _previousCell = ref MemoryMarshal.GetReference(previousCell);
        private readonly ref float _dh = ref MemoryMarshal.GetReference(dh);
        private readonly ref float _dcCarry = ref MemoryMarshal.GetReference(dcCarry);
        private readonly ref float _dz = ref MemoryMarshal.GetReference(dz);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Columns<TOps, TV>(int j, int hidden)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            var one = TOps.Broadcast(1f);
            for (; j + TOps.Count <= hidden; j += TOps.Count)
            {
                var i = TOps.Load(ref _gates, j);
                var o = TOps.Load(ref _gates, j + hidden);
                var f = TOps.Load(ref _gates, j + 2 * hidden);
                var g = TOps.Load(ref _gates, j + 3 * hidden);
                var tanhC = TOps.Load(ref _tanhCell, j);
                var dh = TOps.Load(ref _dh, j);
                var dc = TOps.Add(TOps.Load(ref _dcCarry, j),
                    TOps.Multiply(TOps.Multiply(dh, o), TOps.Subtract(one, TOps.Multiply(tanhC, tanhC))));
                TOps.Store(TOps.Multiply(TOps.Multiply(TOps.Multiply(dc, g), i), TOps.Subtract(one, i)), ref _dz, j);
                TOps.Store(TOps.Multiply(TOps.Multiply(TOps.Multiply(dh, tanhC), o), TOps.Subtract(one, o)), ref _dz,
                    j + hidden);
                TOps.Store(TOps.Multiply(TOps.Multiply(TOps.Multiply(dc, TOps.Load(ref _previousCell, j)), f),
                    TOps.Subtract(one, f)), ref _dz, j + 2 * hidden);
                TOps.Store(TOps.Multiply(TOps.Multiply(dc, i), TOps.Subtract(one, TOps.Multiply(g, g))), ref _dz,
                    j + 3 * hidden);
                TOps.Store(TOps.Multiply(dc, f), ref _dcCarry, j);
            }
            return j;
        }
    }
}
