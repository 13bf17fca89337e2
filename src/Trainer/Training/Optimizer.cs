using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Training;

/// <summary>
/// Applies one update to every parameter from its (already clipped) gradient, with L2 weight decay λw added to the
/// gradient first. Keeps its own state (momentum, Adam moments) for checkpoints.
/// </summary>
internal abstract class Optimizer(float weightDecay)
{
    protected float WeightDecay { get; } = weightDecay;

    /// <summary>Updates performed so far.</summary>
    public long Updates { get; protected set; }

    public static Optimizer Create(SequenceModelOptions options, IReadOnlyList<Parameter> parameters) =>
        options.Optimizer switch
        {
            RecurrentOptimizerKind.Sgd => new SgdOptimizer(options.WeightDecay),
            RecurrentOptimizerKind.Momentum => new MomentumOptimizer(options.WeightDecay, options.Momentum, parameters),
            _ => new AdamOptimizer(options.WeightDecay, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon,
                parameters),
        };

    public void Step(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        Updates++;
        for (var p = 0; p < parameters.Count; p++)
        {
            if (!parameters[p].Frozen)
                Update(p, parameters[p].Value, parameters[p].Gradient, learningRate);
        }
    }

    protected abstract void Update(int index, float[] weights, float[] gradient, float learningRate);

    /// <summary>The moment buffers, in parameter order, for a checkpoint.</summary>
    public abstract IReadOnlyList<float[]> StateBuffers { get; }

    /// <summary>Restores <see cref="Updates"/> and the buffers from a checkpoint.</summary>
    public void Restore(long updates, IReadOnlyList<float[]> buffers)
    {
        if (buffers.Count != StateBuffers.Count)
            throw new InvalidDataException($"The checkpoint has {buffers.Count} optimizer buffers; {StateBuffers.Count} expected.");
        for (var i = 0; i < buffers.Count; i++)
        {
            if (buffers[i].Length != StateBuffers[i].Length)
                throw new InvalidDataException($"Optimizer buffer {i} has {buffers[i].Length} values; {StateBuffers[i].Length} expected.");
            buffers[i].CopyTo(StateBuffers[i], 0);
        }
        Updates = updates;
    }
}

/// <summary>The seeds' rule w ← w − η (∂L/∂w + λw).</summary>
internal sealed class SgdOptimizer(float weightDecay) : Optimizer(weightDecay)
{
    public override IReadOnlyList<float[]> StateBuffers => [];

    protected override void Update(int index, float[] weights, float[] gradient, float learningRate)
    {
        for (var i = 0; i < weights.Length; i++)
            weights[i] -= learningRate * (gradient[i] + WeightDecay * weights[i]);
    }
}

/// <summary>Heavy-ball momentum: v ← μ v + g; w ← w − η v.</summary>
internal sealed class MomentumOptimizer : Optimizer
{
    private readonly float _momentum;
    private readonly float[][] _velocity;

    public MomentumOptimizer(float weightDecay, float momentum, IReadOnlyList<Parameter> parameters) : base(weightDecay)
    {
        _momentum = momentum;
        _velocity = parameters.Select(p => new float[p.Length]).ToArray();
    }

    public override IReadOnlyList<float[]> StateBuffers => _velocity;

    protected override void Update(int index, float[] weights, float[] gradient, float learningRate)
    {
        var v = _velocity[index];
        for (var i = 0; i < weights.Length; i++)
        {
            v[i] = _momentum * v[i] + gradient[i] + WeightDecay * weights[i];
            weights[i] -= learningRate * v[i];
        }
    }
}

/// <summary>Adam with bias-corrected first and second moments.</summary>
internal sealed class AdamOptimizer : Optimizer
{
    private readonly float _beta1, _beta2, _epsilon;
    private readonly float[][] _moments;

    public AdamOptimizer(float weightDecay, float beta1, float beta2, float epsilon, IReadOnlyList<Parameter> parameters)
        : base(weightDecay)
    {
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        _moments = parameters.SelectMany(p => new[] { new float[p.Length], new float[p.Length] }).ToArray();
    }

    public override IReadOnlyList<float[]> StateBuffers => _moments;

    protected override void Update(int index, float[] weights, float[] gradient, float learningRate)
    {
        var correction1 = 1 - Math.Pow(_beta1, Updates);
        var correction2 = 1 - Math.Pow(_beta2, Updates);
        var step = new AdamStep(weights, gradient, _moments[2 * index], _moments[2 * index + 1], WeightDecay, _beta1,
            _beta2, (float)(learningRate * Math.Sqrt(correction2) / correction1), (float)(_epsilon * Math.Sqrt(correction2)));
        ColumnKernel.Run(ref step, weights.Length);
    }

    // g = ∇ + λw; m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²; w ← w − α m / (√v + ε̂), vectorised with the
    // operations in the order the scalar rule writes them, so every width gives the same bits.
    private readonly ref struct AdamStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> m,
        Span<float> v, float weightDecay, float beta1, float beta2, float stepSize, float epsilon) : IColumnKernel
    {
        private readonly ref float _w = ref MemoryMarshal.GetReference(weights);
        private readonly ref float _g = ref MemoryMarshal.GetReference(gradient);
        private readonly ref float _m = ref MemoryMarshal.GetReference(m);
        private readonly ref float _v = ref MemoryMarshal.GetReference(v);
        private readonly float _weightDecay = weightDecay, _beta1 = beta1, _beta2 = beta2;
        private readonly float _stepSize = stepSize, _epsilon = epsilon;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Columns<TOps, TV>(int j, int count)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            var weightDecay = TOps.Broadcast(_weightDecay);
            var (beta1, oneMinusBeta1) = (TOps.Broadcast(_beta1), TOps.Broadcast(1 - _beta1));
            var (beta2, oneMinusBeta2) = (TOps.Broadcast(_beta2), TOps.Broadcast(1 - _beta2));
            var (stepSize, epsilon) = (TOps.Broadcast(_stepSize), TOps.Broadcast(_epsilon));
            for (; j + TOps.Count <= count; j += TOps.Count)
            {
                var w = TOps.Load(ref _w, j);
                var g = TOps.Add(TOps.Load(ref _g, j), TOps.Multiply(weightDecay, w));
                var m = TOps.Add(TOps.Multiply(beta1, TOps.Load(ref _m, j)), TOps.Multiply(oneMinusBeta1, g));
                var v = TOps.Add(TOps.Multiply(beta2, TOps.Load(ref _v, j)),
                    TOps.Multiply(TOps.Multiply(oneMinusBeta2, g), g));
                TOps.Store(m, ref _m, j);
                TOps.Store(v, ref _v, j);
                var update = TOps.Divide(TOps.Multiply(stepSize, m), TOps.Add(TOps.Sqrt(v), epsilon));
                TOps.Store(TOps.Subtract(w, update), ref _w, j);
            }
            return j;
        }
    }
}
