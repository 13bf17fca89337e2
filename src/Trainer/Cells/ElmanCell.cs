using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Cells;

/// <summary>
/// The Elman cell of the seeds: a_t = W_xh x_t + W_hh h_{t-1} + b, h_t = f(a_t). Its Jacobian
/// ∂h_t/∂h_{t-1} = diag(f'(a_t)) W_hh is the factor whose product over time vanishes or explodes.
/// </summary>
internal sealed class ElmanCell(RecurrentActivation activation) : IRecurrentCell
{
    public int GateCount => 1;

    public bool AddsToInputProjection => true;

    public bool SupportsOmega => true;

    public RecurrentActivation Activation { get; } = activation;

    public void Forward(ref CellStep s)
    {
        if (!s.RecurrentProductAdded)
            RecurrentProduct.AddTo(s.PreviousState, s.Rows, s.RecurrentWeightsTransposed, s.InputProjection,
                s.Descending);
        // h = f(a) in one pass over all rows (they are contiguous for this cell).
        var n = s.Rows * s.Hidden;
        switch (Activation)
        {
            case RecurrentActivation.Tanh:
                ElementwiseActivation.Tanh(s.InputProjection[..n], s.State[..n]);
                break;
            case RecurrentActivation.Sigmoid:
                ElementwiseActivation.Sigmoid(s.InputProjection[..n], s.State[..n]);
                break;
            default:
                ElementwiseActivation.Relu(s.InputProjection[..n], s.State[..n]);
                break;
        }
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
            case RecurrentActivation.Tanh: GateMath.TimesTanhDerivative(dh, h, da); break;
            case RecurrentActivation.Sigmoid: GateMath.TimesSigmoidDerivative(dh, h, da); break;
            default: GateMath.TimesReluDerivative(dh, h, da); break;
        }
        RecurrentProduct.Backward(da, s.Rows, s.RecurrentWeights, s.PreviousStateGradient, 0, s.Hidden,
            accumulate: false);
    }
}
