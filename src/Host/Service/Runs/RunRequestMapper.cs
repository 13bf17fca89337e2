using Recurrent.Host.Commands;
using Recurrent.Host.Service.Api;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Runs;

/// <summary>Turns a <see cref="RunRequest"/> into the engine's options; every refusal names the request field.</summary>
internal static class RunRequestMapper
{
    // The engine names its own properties; users wrote the request's fields.
    private static readonly Dictionary<string, string> FieldOfOption = new(StringComparer.Ordinal)
    {
        [nameof(SequenceClassifierOptions.HiddenSize)] = "hidden",
        [nameof(SequenceClassifierOptions.Layers)] = "layers",
        [nameof(SequenceClassifierOptions.Dilations)] = "dilations",
        [nameof(SequenceClassifierOptions.EmbeddingSize)] = "embedding",
        [nameof(SequenceClassifierOptions.Epochs)] = "epochs",
        [nameof(SequenceClassifierOptions.BatchSize)] = "batch",
        [nameof(SequenceClassifierOptions.MaxSteps)] = "max_steps",
        [nameof(SequenceClassifierOptions.LearningRate)] = "lr",
        [nameof(SequenceClassifierOptions.LearningRateDecay)] = "lr_decay",
        [nameof(SequenceClassifierOptions.Momentum)] = "momentum",
        [nameof(SequenceClassifierOptions.WeightDecay)] = "weight_decay",
        [nameof(SequenceClassifierOptions.ClipNorm)] = "clip_norm",
        [nameof(SequenceClassifierOptions.ClipValue)] = "clip_value",
        [nameof(SequenceClassifierOptions.TruncationSteps)] = "bptt",
        [nameof(SequenceClassifierOptions.TruncationStride)] = "bptt",
        [nameof(SequenceClassifierOptions.EarlyStoppingPatience)] = "patience",
        [nameof(SequenceClassifierOptions.Threads)] = "threads",
        [nameof(SequenceClassifierOptions.ForgetGateBias)] = "forget_bias",
    };

    private static readonly Dictionary<string, string> FieldOfDataOption = new(StringComparer.Ordinal)
    {
        [nameof(DatasetOptions.Count)] = "count",
        [nameof(DatasetOptions.ValidationFraction)] = "valid_fraction",
        [nameof(DatasetOptions.VocabularyMaxSize)] = "vocab_size",
        [nameof(DatasetOptions.VocabularyMinCount)] = "min_count",
        [nameof(DatasetOptions.MaxLength)] = "max_length",
    };

    public static SequenceClassifierOptions ToTrainerOptions(RunRequest r)
    {
        int? stride, window;
        try
        {
            (stride, window) = TrainOptions.ParseBptt(r.Bptt ?? "full");
        }
        catch (ArgumentException)
        {
            throw new BadRequestException("bptt", $"bptt: '{r.Bptt}' is not \"full\" or two positive whole numbers \"K1,K2\".");
        }
        int layers;
        try
        {
            // Layers keeps its default 1 unless the request sets it; the count of dilations sets it otherwise.
            layers = DilationRules.Layers(r.Layers, r.Layers != 1, r.Dilations);
        }
        catch (ArgumentException e)
        {
            throw new BadRequestException("dilations", $"dilations: {e.Message}");
        }
        var options = new SequenceClassifierOptions
        {
            Cell = Parse<CellKind>(r.Cell, "cell"),
            Activation = Parse<Activation>(r.Activation, "activation"),
            HiddenSize = r.Hidden,
            Layers = layers,
            Dilations = r.Dilations,
            Bidirectional = r.Bidirectional,
            EmbeddingSize = r.Embedding,
            GruLinearBeforeReset = !r.GruResetBefore,
            RecurrentInit = Parse<RecurrentInit>(r.Init, "init"),
            ForgetGateBias = r.ForgetBias,
            Epochs = r.Epochs,
            BatchSize = r.Batch,
            MaxSteps = r.MaxSteps,
            Optimizer = Parse<OptimizerKind>(r.Optimizer, "optimizer"),
            LearningRate = r.Lr,
            LearningRateDecay = r.LrDecay,
            Momentum = r.Momentum,
            WeightDecay = r.WeightDecay,
            ClipNorm = r.ClipNorm,
            ClipValue = r.ClipValue,
            TruncationStride = stride,
            TruncationSteps = window,
            NonFinitePolicy = Parse<NonFinitePolicy>(r.NonFinite, "non_finite"),
            EarlyStoppingPatience = r.Patience,
            Seed = r.Seed,
            Threads = r.Threads,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            var field = e.ParamName is { } p && FieldOfOption.TryGetValue(p, out var f) ? f : e.ParamName;
            var problem = e.Message.Split(' ', 2) is [_, var rest] ? rest.Split(" (Parameter", 2)[0] : e.Message;
            throw new BadRequestException(field, $"{field}: {problem}");
        }
        return options;
    }

    public static DatasetOptions ToDatasetOptions(RunRequest r) => new()
    {
        Seed = r.Seed,
        Count = r.Count,
        ValidationFraction = r.ValidFraction,
        VocabularyMaxSize = r.VocabSize ?? int.MaxValue,
        VocabularyMinCount = r.MinCount,
        MaxLength = r.MaxLength,
        Truncation = (r.Truncate ?? "first").ToLowerInvariant() switch
        {
            "first" => TruncationPolicy.KeepFirst,
            "last" => TruncationPolicy.KeepLast,
            _ => throw new BadRequestException("truncate", $"truncate: '{r.Truncate}' is not \"first\" or \"last\"."),
        },
    };

    /// <summary>The request field behind a data-layer complaint about an option, or null when it is about the data.</summary>
    public static string? FieldOf(DataFormatException e) =>
        e.Field is { } f && FieldOfDataOption.TryGetValue(f, out var field) ? field : null;

    private static T Parse<T>(string? text, string field)
        where T : struct, Enum
    {
        // The CLI's spellings: multi-word names take hyphens (echo-state); the run-together form is accepted too.
        if (text is not null && !int.TryParse(text, out _)
            && Enum.TryParse<T>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var value)
            && Enum.IsDefined(value))
            return value;
        throw new BadRequestException(field,
            $"{field}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(CliOptions.Hyphenate))}.");
    }
}
