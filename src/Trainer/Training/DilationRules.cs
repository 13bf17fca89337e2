namespace Recurrent.Trainer.Training;

/// <summary>What <see cref="SequenceClassifierOptions.Dilations"/> may hold.</summary>
public static class DilationRules
{
    /// <summary>The largest dilation accepted: far beyond any sequence the engine trains on.</summary>
    public const int MaxDilation = 100_000;

    /// <summary>Throws <see cref="ArgumentException"/> when the dilations do not give one positive integer per layer.</summary>
    public static void Validate(SequenceClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Dilations is not { } dilations)
            return;
        const string field = nameof(SequenceClassifierOptions.Dilations);
        if (dilations.Count != options.Layers)
            throw new ArgumentException(
                $"SequenceClassifierOptions.{field} must have one entry per layer: {dilations.Count} given for {options.Layers} layer(s).",
                field);
        for (var l = 0; l < dilations.Count; l++)
        {
            if (dilations[l] is < 1 or > MaxDilation)
                throw new ArgumentException(
                    $"SequenceClassifierOptions.{field}[{l}] is {dilations[l]}; it must be between 1 and {MaxDilation}.",
                    field);
        }
    }

    /// <summary>"1,2,4" for a list of dilations, "1" per layer when none was set.</summary>
    public static string Describe(SequenceClassifierOptions options) =>
        string.Join(',', options.Dilations ?? Enumerable.Repeat(1, options.Layers));
}
