using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Cells;

/// <summary>
/// GRU with the ONNX gate order z, r, h: h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}. With linear_before_reset the reset gate
/// scales W_hh h + b (PyTorch's form); without it the reset gate scales h_{t-1} before the product.
/// </summary>
internal sealed class GruCell(bool linearBeforeReset) : IRecurrentCell
{
    public int GateCount => 3;

    public bool AddsToInputProjection => false;

    public bool LinearBeforeReset { get; } = linearBeforeReset;

    // Without linear_before_reset the candidate block multiplies r ⊙ h_{t-1} (kept in Extra), not h_{t-1}.
    public int GatesOnPreviousState => LinearBeforeReset ? 3 : 2;

    // z and r reach both projections unchanged; the candidate's recurrent gradient is dn_pre ⊙ r with the linear
    // before the reset, and dn_pre itself otherwise (BackwardRow stores the same vectors in both).
    public int SharedProjectionGradientBlocks => LinearBeforeReset ? 2 : 3;

    // Gates keeps [z, r, n] after their non-linearities; Extra keeps W_hh,h h_{t-1} + b_hh,h (linear before
    // reset) or r ⊙ h_{t-1} (reset before the product), whichever backward needs.
    public void Forward(ref CellStep s)
    {
        int hidden = s.Hidden, width = 3 * hidden;
        var firstBlocks = LinearBeforeReset ? width : 2 * hidden;
        RecurrentProduct.Forward(s.PreviousState, s.Rows, s.RecurrentWeightsTransposed, s.RecurrentBias,
            s.RecurrentProjection, 0, firstBlocks, s.Descending);
        for (var r = 0; r < s.Rows; r++)
        {
            var row = Row(ref s, r, ForwardPass.Gates);
            ColumnKernel.Run(ref row, hidden);
        }
        if (!LinearBeforeReset)
        {
            RecurrentProduct.Forward(s.Extra, s.Rows, s.RecurrentWeightsTransposed, s.RecurrentBias,
                s.RecurrentProjection, 2 * hidden, hidden, s.Descending);
        }
        for (var r = 0; r < s.Rows; r++)
        {
            var row = Row(ref s, r, ForwardPass.Output);
            ColumnKernel.Run(ref row, hidden);
        }
    }

    private enum ForwardPass
    {
        Gates,
        Output,
    }

    private ForwardRow Row(ref CellStep s, int r, ForwardPass pass)
    {
        int hidden = s.Hidden, width = 3 * hidden;
        return new ForwardRow(pass, LinearBeforeReset, s.InputProjection.Slice(r * width, width),
            s.RecurrentProjection.Slice(r * width, width), s.PreviousState.Slice(r * hidden, hidden),
            s.Gates.Slice(r * width, width), s.Extra.Slice(r * hidden, hidden), s.State.Slice(r * hidden, hidden));
    }

    // One sequence's step in two fused passes, split where reset-before-product needs W_hh,h (r ⊙ h_{t-1}).
    private readonly ref struct ForwardRow(ForwardPass pass, bool linearBeforeReset, ReadOnlySpan<float> input,
        ReadOnlySpan<float> recurrent, ReadOnlySpan<float> previousState, Span<float> gates, Span<float> extra,
        Span<float> h) : IColumnKernel
    {
        private readonly ForwardPass _pass = pass;
        private readonly bool _linearBeforeReset = linearBeforeReset;
        private readonly ref float _input = ref MemoryMarshal.GetReference(input);
        private readonly ref float _recurrent = ref MemoryMarshal.GetReference(recurrent);
        private readonly ref float _previousState = ref MemoryMarshal.GetReference(previousState);
        private readonly ref float _gates = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _extra = ref MemoryMarshal.GetReference(extra);
        private readonly ref float _h = ref MemoryMarshal.GetReference(h);

        // A call of its own, not inlined into ColumnKernel.Run: as its own compilation it has the inlining budget for
        // every activation (inlined into Run, the JIT ran out of budget and called Sigmoid and Tanh, passing vectors
        // through memory).
        [MethodImpl(MethodImplOptions.NoInlining)]
        public int Columns<TOps, TV>(int j, int hidden)
            where TOps : struct, IVectorOps<TV>
            where TV : struct =>
            _pass == ForwardPass.Gates ? Gates<TOps, TV>(j, hidden) : Output<TOps, TV>(j, hidden);

        /// <summary>z and r = σ(x-projection + recurrent projection), and r ⊙ h_{t-1} when the reset comes first.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Gates<TOps, TV>(int j, int hidden)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            for (; j + TOps.Count <= hidden; j += TOps.Count)
            {
                var z = Activations.Sigmoid<TOps, TV>(Sum<TOps, TV>(j));
                var r = Activations.Sigmoid<TOps, TV>(Sum<TOps, TV>(j + hidden));
                TOps.Store(z, ref _gates, j);
                TOps.Store(r, ref _gates, j + hidden);
                if (!_linearBeforeReset)
                    TOps.Store(TOps.Multiply(r, TOps.Load(ref _previousState, j)), ref _extra, j);
            }
            return j;
        }

        /// <summary>n = tanh(x_n + r ⊙ hh) or tanh(x_n + hh), then h = n + z ⊙ (h_{t-1} − n).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Output<TOps, TV>(int j, int hidden)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            for (; j + TOps.Count <= hidden; j += TOps.Count)
            {
                var hh = TOps.Load(ref _recurrent, j + 2 * hidden);
                var x = TOps.Load(ref _input, j + 2 * hidden);
                TV n;
                if (_linearBeforeReset)
                {
                    TOps.Store(hh, ref _extra, j);
                    n = Activations.Tanh<TOps, TV>(TOps.MultiplyAdd(TOps.Load(ref _gates, j + hidden), hh, x));
                }
                else
                {
                    n = Activations.Tanh<TOps, TV>(TOps.Add(x, hh));
                }
                TOps.Store(n, ref _gates, j + 2 * hidden);
                var z = TOps.Load(ref _gates, j);
                TOps.Store(TOps.MultiplyAdd(z, TOps.Subtract(TOps.Load(ref _previousState, j), n), n), ref _h, j);
            }
            return j;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private TV Sum<TOps, TV>(int column)
            where TOps : struct, IVectorOps<TV>
            where TV : struct =>
            TOps.Add(TOps.Load(ref _input, column), TOps.Load(ref _recurrent, column));
    }

    public void Backward(ref CellStep s)
    {
        int hidden = s.Hidden, width = 3 * hidden;
        for (var r = 0; r < s.Rows; r++)
        {
            var row = new BackwardRow(LinearBeforeReset, s.Gates.Slice(r * width, width),
                s.Extra.Slice(r * hidden, hidden), s.PreviousState.Slice(r * hidden, hidden),
                s.StateGradient.Slice(r * hidden, hidden), s.InputProjectionGradient.Slice(r * width, width),
                s.RecurrentProjectionGradient.Slice(r * width, width));
            ColumnKernel.Run(ref row, hidden);
        }
        var dh = s.StateGradient[..(s.Rows * hidden)];
        if (LinearBeforeReset)
        {
            RecurrentProduct.Backward(s.RecurrentProjectionGradient, s.Rows, s.RecurrentWeights,
                s.PreviousStateGradient, 0, width, accumulate: false);
        }
        else
        {
            // ∂L/∂(r ⊙ h_{t-1}) = dn_pre · W_hh,h, which feeds both the reset gate and h_{t-1}.
            var dRh = s.Scratch[..dh.Length];
            RecurrentProduct.Backward(s.RecurrentProjectionGradient, s.Rows, s.RecurrentWeights, dRh, 2 * hidden,
                hidden, accumulate: false);
            for (var r = 0; r < s.Rows; r++)
            {
                var row = s.Gates.Slice(r * width, width);
                var reset = row.Slice(hidden, hidden);
                var dRow = dRh.Slice(r * hidden, hidden);
                var drPre = s.InputProjectionGradient.Slice(r * width + hidden, hidden);
                // dr = d(rh) ⊙ h_{t-1}, then through the sigmoid.
                TensorPrimitives.Multiply(dRow, s.PreviousState.Slice(r * hidden, hidden), drPre);
                GateMath.TimesSigmoidDerivative(drPre, reset, drPre);
                drPre.CopyTo(s.RecurrentProjectionGradient.Slice(r * width + hidden, hidden));
            }
            RecurrentProduct.Backward(s.RecurrentProjectionGradient, s.Rows, s.RecurrentWeights,
                s.PreviousStateGradient, 0, 2 * hidden, accumulate: false);
            for (var r = 0; r < s.Rows; r++)
                TensorPrimitives.FusedMultiplyAdd(dRh.Slice(r * hidden, hidden),
                    s.Gates.Slice(r * width + hidden, hidden), s.PreviousStateGradient.Slice(r * hidden, hidden),
                    s.PreviousStateGradient.Slice(r * hidden, hidden));
        }
        // The direct path h_t = … + z ⊙ h_{t-1}.
        for (var r = 0; r < s.Rows; r++)
            TensorPrimitives.FusedMultiplyAdd(dh.Slice(r * hidden, hidden), s.Gates.Slice(r * width, hidden),
                s.PreviousStateGradient.Slice(r * hidden, hidden), s.PreviousStateGradient.Slice(r * hidden, hidden));
    }

    // Per row: dn = dh ⊙ (1 − z), dz = dh ⊙ (h_{t-1} − n), dn_pre = dn ⊙ (1 − n²). With linear before reset also
    // dr = dn_pre ⊙ hh and the recurrent candidate gradient dn_pre ⊙ r; otherwise the reset gate waits for
    // ∂L/∂(r ⊙ h_{t-1}), which needs the product with W_hh,h. The z (and r) gradients go to both projections.
    private readonly ref struct BackwardRow(bool linearBeforeReset, ReadOnlySpan<float> gates,
        ReadOnlySpan<float> extra, ReadOnlySpan<float> previousState, ReadOnlySpan<float> dh, Span<float> dInput,
        Span<float> dRecurrent) : IColumnKernel
    {
        private readonly bool _linearBeforeReset = linearBeforeReset;
        private readonly ref float _gates = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _extra = ref MemoryMarshal.GetReference(extra);
        private readonly ref float _previousState = ref MemoryMarshal.GetReference(previousState);
        private readonly ref float _dh = ref MemoryMarshal.GetReference(dh);
        private readonly ref float _dInput = ref MemoryMarshal.GetReference(dInput);
        private readonly ref float _dRecurrent = ref MemoryMarshal.GetReference(dRecurrent);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Columns<TOps, TV>(int j, int hidden)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            var one = TOps.Broadcast(1f);
            for (; j + TOps.Count <= hidden; j += TOps.Count)
            {
                var z = TOps.Load(ref _gates, j);
                var r = TOps.Load(ref _gates, j + hidden);
                var n = TOps.Load(ref _gates, j + 2 * hidden);
                var dh = TOps.Load(ref _dh, j);
                var dn = TOps.Multiply(TOps.Multiply(dh, TOps.Subtract(one, z)),
                    TOps.Subtract(one, TOps.Multiply(n, n)));
                TOps.Store(dn, ref _dInput, j + 2 * hidden);
                var fromPrevious = TOps.Multiply(dh, TOps.Subtract(TOps.Load(ref _previousState, j), n));
                var dz = TOps.Multiply(TOps.Multiply(fromPrevious, z), TOps.Subtract(one, z));
                TOps.Store(dz, ref _dInput, j);
                TOps.Store(dz, ref _dRecurrent, j);
                if (_linearBeforeReset)
                {
                    var dr = TOps.Multiply(TOps.Multiply(TOps.Multiply(dn, TOps.Load(ref _extra, j)), r),
                        TOps.Subtract(one, r));
                    TOps.Store(dr, ref _dInput, j + hidden);
                    TOps.Store(dr, ref _dRecurrent, j + hidden);
                    TOps.Store(TOps.Multiply(dn, r), ref _dRecurrent, j + 2 * hidden);
                }
                else
                {
                    TOps.Store(dn, ref _dRecurrent, j + 2 * hidden);
                }
            }
            return j;
        }
    }
}
