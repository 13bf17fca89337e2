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
    // One sequence's step in three sweeps over its row: σ over the i, o and f blocks (3H columns side by side), tanh
    // over g, then the cell row. A sweep's loop body is one activation (ElementwiseActivation); the fused loop it
    // replaced (four activations per column, then tanh c in a second pass) spilled to the stack and ran the gates 10%
    // slower (AMD EPYC, AVX2). Every element sees the same operations, so the bits are the same.
    internal static void Activate(ref CellStep s)
    {
        int hidden = s.Hidden, width = 4 * hidden;
        for (var r = 0; r < s.Rows; r++)
        {
            // Inference writes the gates over their own pre-activations, in a row already in L1, instead of into
            // Gates: each vector of z is read before its gate is written over it, and nothing reads z afterwards.
            var z = s.InputProjection.Slice(r * width, width);
            var gates = (s.Inference ? s.InputProjection : s.Gates).Slice(r * width, width);
            ElementwiseActivation.Sigmoid(z[..(3 * hidden)], gates[..(3 * hidden)]);
            ElementwiseActivation.Tanh(z[(3 * hidden)..], gates[(3 * hidden)..]);
            var combine = new CellRow(gates, s.PreviousCell.Slice(r * hidden, hidden), s.Cell.Slice(r * hidden, hidden),
                s.Extra.Slice(r * hidden, hidden), s.State.Slice(r * hidden, hidden), !s.Inference);
            ColumnKernel.Run(ref combine, hidden);
        }
    }

    // c_t = f ⊙ c_{t-1} + i ⊙ g, tanh c_t and h_t over one row whose gates are already activated.
    private readonly ref struct CellRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> previousCell, Span<float> cell,
        Span<float> tanhCell, Span<float> h, bool keep) : IColumnKernel
    {
        private readonly bool _keep = keep;
        private readonly ref float _gates = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _previousCell = ref MemoryMarshal.GetReference(previousCell);
        private readonly ref float _cell = ref MemoryMarshal.GetReference(cell);
        private readonly ref float _tanhCell = ref MemoryMarshal.GetReference(tanhCell);
        private readonly ref float _h = ref MemoryMarshal.GetReference(h);

        [MethodImpl(MethodImplOptions.NoInlining)]
        public int Columns<TOps, TV>(int j, int hidden)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            for (; j + TOps.Count <= hidden; j += TOps.Count)
            {
                var c = TOps.MultiplyAdd(TOps.Load(ref _gates, j + 2 * hidden), TOps.Load(ref _previousCell, j),
                    TOps.Multiply(TOps.Load(ref _gates, j), TOps.Load(ref _gates, j + 3 * hidden)));
                TOps.Store(c, ref _cell, j);
                var tanhC = Activations.Tanh<TOps, TV>(c);
                if (_keep)
                    TOps.Store(tanhC, ref _tanhCell, j);
                TOps.Store(TOps.Multiply(TOps.Load(ref _gates, j + hidden), tanhC), ref _h, j);
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
