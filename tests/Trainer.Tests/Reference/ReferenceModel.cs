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
        double sum = 0;
        for (int b = 0; b < batch.Count; b++)
        {
            sum += network.Forward(batch[b], offset?.Sample == b ? offset : null).Loss;
        }

        return sum / batch.Count;
    }

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
        double sum = 0;
        foreach (ReferenceSample sample in batch)
        {
            sum += network.Forward(sample, null, frozen.Forward(sample, null)).Loss;
        }

        return sum / batch.Count;
    }

    /// <summary>The mean loss, its gradient for every parameter (truncated when the config says so), and g_t.</summary>
    public ReferenceGradients Gradients(IReadOnlyList<ReferenceSample> batch)
    {
        Validate(batch);
        var network = new ReferenceNetwork(Config, Parameters);
        var gradients = ZerosLike(Parameters);
        var norms = new List<ReferenceAdjointNorms>();
        double sum = 0;
        foreach (ReferenceSample sample in batch)
        {
            SampleTrace trace = network.Forward(sample, null);
            sum += trace.Loss;
            norms.Add(network.Backward(sample, trace, gradients, 1.0 / batch.Count));
        }

        return new ReferenceGradients(sum / batch.Count, gradients, norms);
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
}
