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
        var n = s.Rows * s.Hidden;
        var rows = new Activate(Activation, s.InputProjection[..n], s.State[..n]);
        ColumnKernel.Run(ref rows, n);
    }

    // h = f(a) in one pass over all rows (they are contiguous for this cell).
    private readonly ref struct Activate(RecurrentActivation activation, ReadOnlySpan<float> preActivations, Span<float> h)
        : IColumnKernel
    {
        private readonly RecurrentActivation _activation = activation;
        private readonly ref float _a = ref MemoryMarshal.GetReference(preActivations);
        private readonly ref float _h = ref MemoryMarshal.GetReference(h);

        // A call of its own, not inlined into ColumnKernel.Run: as its own compilation it has the inlining budget for
        // every activation (inlined into Run, the JIT ran out of budget and called Sigmoid and Tanh, passing vectors
        // through memory).
        [MethodImpl(MethodImplOptions.NoInlining)]
        public int Columns<TOps, TV>(int j, int count)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            var zero = TOps.Broadcast(0f);
            for (; j + TOps.Count <= count; j += TOps.Count)
            {
                var a = TOps.Load(ref _a, j);
                var y = _activation switch
                {
                    RecurrentActivation.Tanh => Activations.Tanh<TOps, TV>(a),
                    RecurrentActivation.Sigmoid => Activations.Sigmoid<TOps, TV>(a),
                    _ => TOps.SelectLess(a, zero, zero, a),
                };
                TOps.Store(y, ref _h, j);
            }
            return j;
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
