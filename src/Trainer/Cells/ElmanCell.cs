using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Cells;

/// <summary>
/// The Elman cell of the seeds: a_t = W_xh x_t + W_hh h_{t-1} + b, h_t = f(a_t). Its Jacobian
/// ∂h_t/∂h_{t-1} = diag(f'(a_t)) W_hh is the factor whose product over time vanishes or explodes.
/// </summary>
internal sealed class ElmanCell(Activation activation) : IRecurrentCell
{
    public int GateCount => 1;

    public bool AddsToInputProjection => true;

    public Activation Activation { get; } = activation;

    public void Forward(ref CellStep s)
    {
        RecurrentProduct.AddTo(s.PreviousState, s.Rows, s.RecurrentWeightsTransposed, s.InputProjection,
            s.Descending);
        var n = s.Rows * s.Hidden;
        ref var a = ref MemoryMarshal.GetReference(s.InputProjection[..n]);
        ref var h = ref MemoryMarshal.GetReference(s.State[..n]);
        var j = VectorWidth.Use512 ? Activate<Vector512Ops, Vector512<float>>(ref a, ref h, 0, n) : 0;
        j = Activate<Vector256Ops, Vector256<float>>(ref a, ref h, j, n);
        Activate<ScalarOps, float>(ref a, ref h, j, n);
    }

    // h = f(a) in one pass over all rows (they are contiguous for this cell).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Activate<TOps, TV>(ref float preActivation, ref float h, int j, int n)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        var zero = TOps.Broadcast(0f);
        for (; j + TOps.Count <= n; j += TOps.Count)
        {
            var a = TOps.Load(ref preActivation, j);
            var y = Activation switch
            {
                Activation.Tanh => Activations.Tanh<TOps, TV>(a),
                Activation.Sigmoid => Activations.Sigmoid<TOps, TV>(a),
                _ => TOps.SelectLess(a, zero, zero, a),
            };
            TOps.Store(y, ref h, j);
        }
        return j;
    }

    // f'(a) is recovered from h = f(a): 1 − h² for tanh, h(1 − h) for the sigmoid, [h > 0] for ReLU.
    public void Backward(ref CellStep s)
    {
        var n = s.Rows * s.Hidden;
        var h = s.State[..n];
        var dh = s.StateGradient[..n];
        var da = s.InputProjectionGradient[..n];
        switch (Activation)
        {
            case Activation.Tanh: GateMath.TimesTanhDerivative(dh, h, da); break;
            case Activation.Sigmoid: GateMath.TimesSigmoidDerivative(dh, h, da); break;
            default: GateMath.TimesReluDerivative(dh, h, da); break;
        }
        RecurrentProduct.Backward(da, s.Rows, s.RecurrentWeights, s.PreviousStateGradient, 0, s.Hidden,
            accumulate: false);
    }
}
