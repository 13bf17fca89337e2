using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Training;

/// <summary>
/// The one mapping from a <see cref="TrainingRequest"/> (CLI flags, a REST body, a sweep point) to the engine's
/// <see cref="SequenceModelOptions"/> and the data loader's <see cref="DatasetOptions"/>: every option is checked
/// against its declared range and the rules between options (<see cref="SequenceModelOptions.Validate"/>'s), and
/// every refusal is a <see cref="TrainingRequestException"/> naming the field as the user spells it.
/// </summary>
public static class TrainingRequestMapper
{
    /// <summary>The engine's options for a request, checked as the engine checks them.</summary>
    /// <param name="request">The request as the user gave it.</param>
    /// <param name="spelling">How the user spelled the fields, for the refusals.</param>
    public static SequenceModelOptions ToTrainerOptions(TrainingRequest request, FieldSpelling spelling)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Conflicts is [var (option, first, second), ..])
            throw new TrainingRequestException(second,
                $"{Spell(second, spelling)}: {Spell(first, spelling)} gives the same option ({Spell(TrainingOptions.JsonName(option), spelling)}); give it once.");
        var options = request.ToEngineOptions();
        // The request takes the layer count the dilations set, so that, stored with every field written out, it
        // reads back (on a worker, in a sweep) as the same request and not as a layer count that disagrees.
        options.Layers = request.Layers = Layers(request, spelling);
        if ((OptionBounds.FirstViolation(request) ?? options.FindProblem()) is { } problem)
        {
            var field = request.FieldOf(problem.Option);
            throw new TrainingRequestException(field,
                $"{Spell(field, spelling)}: {problem.Describe(other => Spell(request.FieldOf(other), spelling))}.");
        }
        return options;
    }

    /// <summary>The data loader's options for a request: its data options, with the run's seed (the engine's default when none).</summary>
    public static DatasetOptions ToDatasetOptions(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var data = request.DataOptions;
        return new DatasetOptions
        {
            Seed = request.Seed ?? SequenceModelOptions.Defaults.Seed,
            Count = data.Count,
            ValidationFraction = data.ValidationFraction,
            VocabularyMaxSize = data.VocabularyMaxSize,
            VocabularyMinCount = data.VocabularyMinCount,
            MaxLength = data.MaxLength,
            Truncation = data.Truncation,
        };
    }

    /// <summary>The request field behind a data-layer complaint about an option, or null when it is about the data.</summary>
    public static string? FieldOf(DataFormatException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Field is { } f && TrainingOptions.Named(f) is { } option ? option.JsonName : null;
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

    /// <summary>A JSON field name (clip_norm) as the user spelled it: clip_norm, or --clip-norm on the command line.</summary>
    public static string Spell(string field, FieldSpelling spelling)
    {
        ArgumentNullException.ThrowIfNull(field);
        return spelling == FieldSpelling.CommandLine ? "--" + field.Replace('_', '-') : field;
    }

    // The count of dilations sets the layers; a layer count the user gave must agree with it.
    private static int Layers(TrainingRequest request, FieldSpelling spelling)
    {
        try
        {
            return DilationRules.Layers(request.Layers, request.WasGiven(nameof(request.Layers)), request.Dilations);
        }
        catch (ArgumentException e)
        {
            throw new TrainingRequestException("dilations", $"{Spell("dilations", spelling)}: {e.Message}", e);
        }
    }
}
