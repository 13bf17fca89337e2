namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// The double-precision reference: parameters by contract name, the batch-mean loss and its exact gradient.
/// Written from the specification only, to check the float32 engine.
/// </summary>
public sealed class ReferenceModel
{
    private ReferenceModel(ReferenceConfig config, Dictionary<string, double[]> parameters)
    {
        Config = config;
        Parameters = parameters;
        Shapes = ReferenceParameterLayout.For(config).ToDictionary(p => p.Name, p => p.Shape);
        ParameterNames = [.. ReferenceParameterLayout.For(config).Select(p => p.Name)];
    }

    public ReferenceConfig Config { get; }

    /// <summary>Row-major values by name. Mutable on purpose: finite-difference checks nudge them in place.</summary>
    public Dictionary<string, double[]> Parameters { get; }

    public IReadOnlyDictionary<string, int[]> Shapes { get; }

    /// <summary>The contract's names in a fixed order (embedding, layers, head).</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Every parameter ~ U(−0.5, 0.5) from a fixed-seed generator.</summary>
    public static ReferenceModel CreateRandom(ReferenceConfig config, ulong seed)
    {
        var random = new ReferenceRandom(seed);
        var parameters = new Dictionary<string, double[]>();
        foreach ((string name, int[] shape) in ReferenceParameterLayout.For(config))
        {
            var values = new double[ReferenceParameterLayout.ElementCount(shape)];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = random.NextCentered();
            }

            parameters[name] = values;
        }

        return new ReferenceModel(config, parameters);
    }

    /// <summary>Loads the engine's float weights; names and sizes must match the contract exactly.</summary>
    public static ReferenceModel FromParameters(ReferenceConfig config, IReadOnlyDictionary<string, float[]> parameters) =>
        FromParameters(config, parameters.ToDictionary(p => p.Key, p => p.Value.Select(v => (double)v).ToArray()));

    /// <summary>Copies double weights; names and sizes must match the contract exactly.</summary>
    public static ReferenceModel FromParameters(ReferenceConfig config, IReadOnlyDictionary<string, double[]> parameters)
    {
        var layout = ReferenceParameterLayout.For(config);
        var copy = new Dictionary<string, double[]>();
        foreach ((string name, int[] shape) in layout)
        {
            if (!parameters.TryGetValue(name, out double[]? values))
            {
                throw new ArgumentException($"Parameter '{name}' is missing.", nameof(parameters));
            }

            int expected = ReferenceParameterLayout.ElementCount(shape);
            if (values.Length != expected)
            {
                throw new ArgumentException(
                    $"Parameter '{name}' has {values.Length} values; shape [{string.Join(", ", shape)}] needs {expected}.", nameof(parameters));
            }

            copy[name] = (double[])values.Clone();
        }

        string[] unexpected = [.. parameters.Keys.Where(name => !copy.ContainsKey(name))];
        if (unexpected.Length > 0)
        {
            throw new ArgumentException($"Unexpected parameters: {string.Join(", ", unexpected)}.", nameof(parameters));
        }

        return new ReferenceModel(config, copy);
    }

    /// <summary>The mean loss over the batch.</summary>
    public double Loss(IReadOnlyList<ReferenceSample> batch) => Loss(batch, null);

    /// <summary>The mean loss with one state of layer 0's forward direction nudged (for checking adjoints).</summary>
    public double Loss(IReadOnlyList<ReferenceSample> batch, ReferenceStateOffset? offset)
    {
        Validate(batch);
        var network = new ReferenceNetwork(Config, Parameters);
        return Mean(batch.Select((sample, b) => network.Forward(sample, offset?.Sample == b ? offset : null)).ToArray());
    }

    /// <summary>
    /// Per-step heads: the loss of the last step of sample <paramref name="sample"/> alone (not averaged), with one
    /// state nudged: the loss whose adjoint the per-step adjoint norms measure.
    /// </summary>
    public double LastStepLoss(IReadOnlyList<ReferenceSample> batch, int sample, ReferenceStateOffset? offset,
        IReadOnlyDictionary<string, double[]>? rounding = null)
    {
        Validate(batch);
        ReferenceSample s = batch[sample];
        int last = s.Length - 1;
        ReferenceSample lastOnly = s.StepClasses is { } classes
            ? s with { StepClasses = [.. classes.Select((c, t) => t == last ? c : -1)] }
            : s with { StepTargets = [.. s.StepTargets!.Select((y, t) => t == last ? y : double.NaN)] };
        SampleTrace? anchor = rounding is null ? null : new ReferenceNetwork(Config, rounding).Forward(lastOnly, null);
        return new ReferenceNetwork(Config, Parameters).Forward(lastOnly, offset, rounding: anchor, withBudget: false).Loss;
    }

    /// <summary>
    /// Skip gates: the mean loss with each rounding u_t = round(ũ_t) replaced by its value at the parameters
    /// <paramref name="rounding"/> plus (ũ_t − ũ_t there). At those parameters it is the loss itself; its derivative
    /// there is the straight-through estimator's (round's derivative taken as 1), so finite differences of it check
    /// the analytic gradient on the smooth parts and the estimator's defined gradient on the rounding. With
    /// <paramref name="detach"/> the states entering truncation windows are also taken from there.
    /// </summary>
    public double StraightThroughLoss(IReadOnlyList<ReferenceSample> batch, IReadOnlyDictionary<string, double[]> rounding,
        ReferenceStateOffset? offset = null, bool detach = false)
    {
        Validate(batch);
        var network = new ReferenceNetwork(Config, Parameters);
        var anchor = new ReferenceNetwork(Config, rounding);
        return Mean(batch.Select((sample, b) =>
        {
            SampleTrace at = anchor.Forward(sample, null);
            return network.Forward(sample, offset?.Sample == b ? offset : null, detach ? at : null, at);
        }).ToArray());
    }

    /// <summary>Skip gates: u_t of every step of one sample, per layer and direction, at the current parameters.</summary>
    public double[][][] Updates(ReferenceSample sample)
    {
        SampleTrace trace = new ReferenceNetwork(Config, Parameters).Forward(sample, null);
        return [.. trace.Layers.Select(layer => layer.Select(direction => direction.U.ToArray()).ToArray())];
    }

    /// <summary>Skip gates: min over every step of one sample of |ũ_t − ½|, how far the rounding is from flipping.</summary>
    public double RoundingMargin(ReferenceSample sample)
    {
        SampleTrace trace = new ReferenceNetwork(Config, Parameters).Forward(sample, null);
        return trace.Layers.SelectMany(layer => layer).SelectMany(direction => direction.UTilde.Take(sample.Length))
            .Select(u => Math.Abs(u - 0.5)).DefaultIfEmpty(double.PositiveInfinity).Min();
    }

    /// <summary>The batch's mean loss: over its sequences, or for a per-step head over its labelled steps.</summary>
    private double Mean(IReadOnlyList<SampleTrace> traces) => traces.Sum(t => t.Loss) / Divisor(traces);

    /// <summary>What the loss sum is divided by: B, or for a per-step head the labelled steps (at least 1).</summary>
    private double Divisor(IReadOnlyList<SampleTrace> traces) =>
        Config.PerStep ? Math.Max(1, traces.Sum(t => t.LabelledSteps)) : traces.Count;

    /// <summary>
    /// The mean loss with the states entering each truncation window computed from <paramref name="detachedFrom"/>
    /// rather than from <see cref="Parameters"/>: at equal parameters it is the same loss, and its finite
    /// differences in <see cref="Parameters"/> give the truncated gradient.
    /// </summary>
    public double LossWithDetachedStates(IReadOnlyList<ReferenceSample> batch, IReadOnlyDictionary<string, double[]> detachedFrom)
    {
        Validate(batch);
        var network = new ReferenceNetwork(Config, Parameters);
        var frozen = new ReferenceNetwork(Config, detachedFrom);
        return Mean(batch.Select(sample => network.Forward(sample, null, frozen.Forward(sample, null))).ToArray());
    }

    /// <summary>The mean loss, its gradient for every parameter (truncated when the config says so), and g_t.</summary>
    public ReferenceGradients Gradients(IReadOnlyList<ReferenceSample> batch)
    {
        Validate(batch);
        var network = new ReferenceNetwork(Config, Parameters);
        var gradients = ZerosLike(Parameters);
        var norms = new List<ReferenceAdjointNorms>();
        SampleTrace[] traces = [.. batch.Select(sample => network.Forward(sample, null))];
        double divisor = Divisor(traces);
        for (int b = 0; b < batch.Count; b++)
        {
            norms.Add(network.Backward(batch[b], traces[b], gradients, 1.0 / divisor));
        }

        return new ReferenceGradients(Mean(traces), gradients, norms);
    }

    internal static Dictionary<string, double[]> ZerosLike(IReadOnlyDictionary<string, double[]> parameters) =>
        parameters.ToDictionary(p => p.Key, p => new double[p.Value.Length]);

    /// <summary>Rejects samples the contract does not define, so a broken fixture fails loudly instead of silently.</summary>
    private void Validate(IReadOnlyList<ReferenceSample> batch)
    {
        if (batch.Count == 0)
        {
            throw new ArgumentException("The batch is empty.", nameof(batch));
        }

        foreach (ReferenceSample sample in batch)
        {
            int length = sample.Length;
            if (length < 1)
            {
                throw new ArgumentException("Every sample needs at least one valid step.", nameof(batch));
            }

            if (Config.Input == ReferenceInputKind.Tokens)
            {
                if (sample.TokenIds is null || sample.TokenIds.Length < length)
                {
                    throw new ArgumentException("Token input needs TokenIds covering the valid length.", nameof(batch));
                }

                for (int t = 0; t < length; t++)
                {
                    int id = sample.TokenIds[t];
                    if (id < 1 || id >= Config.VocabularySize)
                    {
                        throw new ArgumentException($"Token id {id} at valid step {t} is padding or outside the vocabulary.", nameof(batch));
                    }
                }
            }
            else if (sample.Steps is null || sample.Steps.Length < length || sample.Steps.Take(length).Any(s => s.Length != Config.FeatureCount))
            {
                throw new ArgumentException($"Numeric input needs Steps of width {Config.FeatureCount} covering the valid length.", nameof(batch));
            }

            if (Config.PerStep)
            {
                ValidateSteps(sample, length);
                continue;
            }

            bool labelOk = Config.Head switch
            {
                ReferenceHeadKind.Binary => sample.ClassIndex is 0 or 1,
                ReferenceHeadKind.MultiClass => sample.ClassIndex >= 0 && sample.ClassIndex < Config.ClassCount,
                _ => true,
            };
            if (!labelOk)
            {
                throw new ArgumentException($"Class index {sample.ClassIndex} does not fit the {Config.Head} head.", nameof(batch));
            }
        }
    }

    private void ValidateSteps(ReferenceSample sample, int length)
    {
        if (Config.Head == ReferenceHeadKind.Regression)
        {
            if (sample.StepTargets is null || sample.StepTargets.Length < length)
            {
                throw new ArgumentException("A per-step regression head needs StepTargets covering the valid length.");
            }

            return;
        }

        int classes = Config.Head == ReferenceHeadKind.Binary ? 2 : Config.ClassCount;
        if (sample.StepClasses is null || sample.StepClasses.Length < length
            || sample.StepClasses.Take(length).Any(c => c < -1 || c >= classes))
        {
            throw new ArgumentException($"A per-step {Config.Head} head needs StepClasses in [-1, {classes}) covering the valid length.");
        }
    }
}
