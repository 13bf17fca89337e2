using System.Numerics.Tensors;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Cells;

/// <summary>
/// The Elman cell of the seeds: a_t = W_xh x_t + W_hh h_{t-1} + b, h_t = f(a_t). Its Jacobian
/// ∂h_t/∂h_{t-1} = diag(f'(a_t)) W_hh is the factor whose product over time vanishes or explodes.
/// </summary>
internal sealed class ElmanCell(Activation activation) : IRecurrentCell
{
    public int GateCount => 1;

    public Activation Activation { get; } = activation;

    public void Forward(ref CellStep s)
    {
        var width = s.Hidden;
        RecurrentProduct.Forward(s.PreviousState, s.Rows, s.RecurrentWeightsTransposed, s.RecurrentBias,
            s.RecurrentProjection, 0, width, s.Descending);
        var a = s.InputProjection[..(s.Rows * width)];
        TensorPrimitives.Add(a, s.RecurrentProjection[..a.Length], a);
        var h = s.State[..a.Length];
        switch (Activation)
        {
            case Activation.Tanh: TensorPrimitives.Tanh(a, h); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(a, h); break;
            default: TensorPrimitives.Max(a, 0f, h); break;
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
            case Activation.Tanh: GateMath.TimesTanhDerivative(dh, h, da); break;
            case Activation.Sigmoid: GateMath.TimesSigmoidDerivative(dh, h, da); break;
            default: GateMath.TimesReluDerivative(dh, h, da); break;
        }
        RecurrentProduct.Backward(da, s.Rows, s.Hidden, s.Hidden, s.RecurrentWeights, s.PreviousStateGradient,
            0, s.Hidden, accumulate: false);
    }
}
