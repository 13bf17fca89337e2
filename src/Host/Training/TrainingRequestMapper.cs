using Microsoft.ML;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Training;

/// <summary>
/// The one mapping from a <see cref="TrainingRequest"/> (CLI flags, a REST body, a sweep point) to the engine's
/// <see cref="SequenceModelOptions"/> and the data loader's <see cref="DatasetOptions"/>: every name, spec and
/// list is parsed and checked here, and every refusal is a <see cref="TrainingRequestException"/> naming the field
/// as the user spelled it. A rule the engine itself enforces (<see cref="SequenceModelOptions.Validate"/>) is
/// quoted as the engine states it, after the field.
/// </summary>
public static class TrainingRequestMapper
{
    // The engine names its own properties; users wrote the request's fields.
    private static readonly Dictionary<string, string> FieldOfOption = new(StringComparer.Ordinal)
    {
        [nameof(SequenceModelOptions.HiddenSize)] = "hidden",
        [nameof(SequenceModelOptions.Layers)] = "layers",
        [nameof(SequenceModelOptions.Dilations)] = "dilations",
        [nameof(SequenceModelOptions.EmbeddingSize)] = "embedding",
        [nameof(SequenceModelOptions.Epochs)] = "epochs",
        [nameof(SequenceModelOptions.BatchSize)] = "batch",
        [nameof(SequenceModelOptions.MaxSteps)] = "max_steps",
        [nameof(SequenceModelOptions.LearningRate)] = "lr",
        [nameof(SequenceModelOptions.LearningRateDecay)] = "lr_decay",
        [nameof(SequenceModelOptions.Momentum)] = "momentum",
        [nameof(SequenceModelOptions.WeightDecay)] = "weight_decay",
        [nameof(SequenceModelOptions.ClipNorm)] = "clip_norm",
        [nameof(SequenceModelOptions.ClipValue)] = "clip_value",
        [nameof(SequenceModelOptions.TruncationSteps)] = "bptt",
        [nameof(SequenceModelOptions.TruncationStride)] = "bptt",
        [nameof(SequenceModelOptions.EarlyStoppingPatience)] = "patience",
        [nameof(SequenceModelOptions.Threads)] = "threads",
        [nameof(SequenceModelOptions.ForgetGateBias)] = "forget_bias",
        [nameof(SequenceModelOptions.SpectralRadius)] = "spectral_radius",
        [nameof(SequenceModelOptions.OmegaWeight)] = "omega",
    };

    private static readonly Dictionary<string, string> FieldOfDataOption = new(StringComparer.Ordinal)
    {
        [nameof(DatasetOptions.Count)] = "count",
        [nameof(DatasetOptions.ValidationFraction)] = "valid_fraction",
        [nameof(DatasetOptions.VocabularyMaxSize)] = "vocab_size",
        [nameof(DatasetOptions.VocabularyMinCount)] = "min_count",
        [nameof(DatasetOptions.MaxLength)] = "max_length",
    };

    /// <summary>The engine's options for a request, checked as the engine checks them.</summary>
    /// <param name="request">The request as the user gave it.</param>
    /// <param name="spelling">How the user spelled the fields, for the refusals.</param>
    /// <param name="layersGiven">
    /// Whether the user set the layer count (then it must agree with the count of dilations); default: when it is
    /// not the default 1.
    /// </param>
    public static SequenceModelOptions ToTrainerOptions(TrainingRequest request, FieldSpelling spelling,
        bool? layersGiven = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (stride, window) = ParseBptt(request.Bptt, spelling);
        var layers = Layers(request, spelling, layersGiven ?? request.Layers != 1);
        var options = new SequenceModelOptions
        {
            Cell = ParseEnum<RecurrentCellKind>(request.Cell, "cell", spelling),
            Activation = ParseEnum<RecurrentActivation>(request.Activation, "activation", spelling),
            HiddenSize = request.Hidden,
            Layers = layers,
            Dilations = request.Dilations,
            Bidirectional = request.Bidirectional,
            EmbeddingSize = request.Embedding,
            GruLinearBeforeReset = !request.GruResetBefore,
            RecurrentInit = ParseEnum<RecurrentInit>(request.Init, "init", spelling),
            SpectralRadius = request.SpectralRadius,
            FreezeRecurrent = request.FreezeRecurrent,
            OmegaWeight = request.Omega,
            ForgetGateBias = request.ForgetBias,
            Epochs = request.Epochs,
            BatchSize = request.Batch,
            MaxSteps = request.MaxSteps,
            Optimizer = ParseEnum<RecurrentOptimizerKind>(request.Optimizer, "optimizer", spelling),
            LearningRate = request.Lr,
            LearningRateDecay = request.LrDecay,
            Momentum = request.Momentum,
            WeightDecay = request.WeightDecay,
            ClipNorm = request.ClipNorm,
            ClipValue = request.ClipValue,
            TruncationStride = stride,
            TruncationSteps = window,
            NonFinitePolicy = ParseEnum<RecurrentNonFinitePolicy>(request.NonFinite, "non_finite", spelling),
            EarlyStoppingPatience = request.Patience,
            Seed = request.Seed,
            Threads = request.Threads,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            var field = e.ParamName is { } p && FieldOfOption.TryGetValue(p, out var f) ? f : e.ParamName ?? "options";
            // "SequenceModelOptions.ClipNorm must be a positive number. (Parameter 'ClipNorm')" -> "ClipNorm must ...".
            var rule = e.Message.Split(" (Parameter", 2)[0];
            rule = rule.StartsWith(nameof(SequenceModelOptions) + ".", StringComparison.Ordinal)
                ? rule[(nameof(SequenceModelOptions).Length + 1)..] : rule;
            throw new TrainingRequestException(field, $"{Spell(field, spelling)}: {rule}", e);
        }
        return options;
    }

    /// <summary>The data loader's options for a request.</summary>
    public static DatasetOptions ToDatasetOptions(TrainingRequest request, FieldSpelling spelling) => new()
    {
        Seed = request.Seed,
        Count = request.Count,
        ValidationFraction = request.ValidFraction,
        VocabularyMaxSize = request.VocabSize ?? int.MaxValue,
        VocabularyMinCount = request.MinCount,
        MaxLength = request.MaxLength,
        Truncation = (request.Truncate ?? "first").ToLowerInvariant() switch
        {
            "first" => TruncationPolicy.KeepFirst,
            "last" => TruncationPolicy.KeepLast,
            _ => throw new TrainingRequestException("truncate",
                $"{Spell("truncate", spelling)}: '{request.Truncate}' is not first or last."),
        },
    };

    /// <summary>The request field behind a data-layer complaint about an option, or null when it is about the data.</summary>
    public static string? FieldOf(DataFormatException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Field is { } f && FieldOfDataOption.TryGetValue(f, out var field) ? field : null;
    }

    /// <summary>A name of <typeparamref name="T"/> as users spell it: any case, multi-word names with hyphens (echo-state) or run together.</summary>
    public static T ParseEnum<T>(string? text, string field, FieldSpelling spelling)
        where T : struct, Enum
    {
        if (text is not null && !int.TryParse(text, out _)
            && Enum.TryParse<T>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var value)
            && Enum.IsDefined(value))
            return value;
        throw new TrainingRequestException(field,
            $"{Spell(field, spelling)}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(Hyphenate))}.");
    }

    /// <summary>"full" (no truncation) or "K1,K2": every K1 steps, the gradient goes back at most K2 steps.</summary>
    public static (int? Stride, int? Window) ParseBptt(string? text, FieldSpelling spelling)
    {
        text ??= "full";
        if (text.Equals("full", StringComparison.OrdinalIgnoreCase))
            return (null, null);
        var parts = text.Split(',');
        if (parts.Length == 2 && int.TryParse(parts[0], out var k1) && int.TryParse(parts[1], out var k2) && k1 > 0 && k2 > 0)
            return (k1, k2);
        throw new TrainingRequestException("bptt",
            $"{Spell("bptt", spelling)}: '{text}' is not 'full' or two positive whole numbers K1,K2.");
    }

    /// <summary>"1,2,4,8" as one dilation per layer, for requests that give them as text (the command line).</summary>
    public static int[] ParseDilations(string text, FieldSpelling spelling)
    {
        try
        {
            return DilationRules.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new TrainingRequestException("dilations", $"{Spell("dilations", spelling)}: {e.Message}", e);
        }
    }

    /// <summary>EchoState → echo-state.</summary>
    public static string Hyphenate(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
    }

    /// <summary>A JSON field name (clip_norm) as the user spelled it: clip_norm, or --clip-norm on the command line.</summary>
    public static string Spell(string field, FieldSpelling spelling)
    {
        ArgumentNullException.ThrowIfNull(field);
        return spelling == FieldSpelling.CommandLine ? "--" + field.Replace('_', '-') : field;
    }

    // The count of dilations sets the layers; a layer count the user gave must agree with it. Each dilation is a
    // whole number of steps between 1 and DilationRules.MaxDilation (layers counted from 0, as the engine does).
    private static int Layers(TrainingRequest request, FieldSpelling spelling, bool layersGiven)
    {
        try
        {
            var layers = DilationRules.Layers(request.Layers, layersGiven, request.Dilations);
            var dilations = request.Dilations ?? [];
            for (var l = 0; l < dilations.Length; l++)
            {
                if (dilations[l] is < 1 or > DilationRules.MaxDilation)
                    throw new ArgumentException(
                        $"must hold whole numbers between 1 and {DilationRules.MaxDilation}; layer {l} has {dilations[l]}.");
            }
            return layers;
        }
        catch (ArgumentException e)
        {
            throw new TrainingRequestException("dilations", $"{Spell("dilations", spelling)}: {e.Message}", e);
        }
    }
}
