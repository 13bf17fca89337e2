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

    public static Optimizer Create(SequenceClassifierOptions options, IReadOnlyList<Parameter> parameters) =>
        options.Optimizer switch
        {
            OptimizerKind.Sgd => new SgdOptimizer(options.WeightDecay),
            OptimizerKind.Momentum => new MomentumOptimizer(options.WeightDecay, options.Momentum, parameters),
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
        var m = _moments[2 * index];
        var v = _moments[2 * index + 1];
        var correction1 = 1 - Math.Pow(_beta1, Updates);
        var correction2 = 1 - Math.Pow(_beta2, Updates);
        var stepSize = (float)(learningRate * Math.Sqrt(correction2) / correction1);
        var epsilon = (float)(_epsilon * Math.Sqrt(correction2));
        for (var i = 0; i < weights.Length; i++)
        {
            var g = gradient[i] + WeightDecay * weights[i];
            m[i] = _beta1 * m[i] + (1 - _beta1) * g;
            v[i] = _beta2 * v[i] + (1 - _beta2) * g * g;
            weights[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) + epsilon);
        }
    }
}
