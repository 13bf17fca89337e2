namespace Recurrent.Trainer;

/// <summary>What <see cref="SequenceModelOptions.Dilations"/> may hold.</summary>
internal static class DilationRules
{
    /// <summary>The largest dilation accepted: far beyond any sequence the engine trains on.</summary>
    public const int MaxDilation = 100_000;

    /// <summary>The problem when the dilations do not give one whole number from 1 to <see cref="MaxDilation"/> per layer.</summary>
    public static OptionProblem? Problem(SequenceModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Dilations is not { } dilations)
            return null;
        const string field = nameof(SequenceModelOptions.Dilations);
        if (dilations.Count != options.Layers)
            return new OptionProblem(field, $"must have one entry per layer: {dilations.Count} given for {options.Layers} layer(s)");
        for (var l = 0; l < dilations.Count; l++)
        {
            if (dilations[l] is < 1 or > MaxDilation)
                return new OptionProblem(field, $"must hold whole numbers between 1 and {MaxDilation}; layer {l} has {dilations[l]}");
        }
        return null;
    }

    /// <summary>
    /// "1,2,4,8" as one dilation per layer. Throws <see cref="ArgumentException"/> with a message that names the text
    /// when it is not a comma-separated list of whole numbers between 1 and <see cref="MaxDilation"/>.
    /// </summary>
    public static int[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var dilations = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out dilations[i]) || dilations[i] is < 1 or > MaxDilation)
                throw new ArgumentException(
                    $"'{text}' is not a comma-separated list of whole numbers between 1 and {MaxDilation} (entry {i + 1} is '{parts[i]}').");
        }
        return dilations;
    }

    /// <summary>
    /// The layer count when dilations are given: their count, which an explicitly given layer count must equal.
    /// Throws <see cref="ArgumentException"/> otherwise.
    /// </summary>
    public static int Layers(int layers, bool layersGiven, IReadOnlyList<int>? dilations)
    {
        if (dilations is null)
            return layers;
        if (dilations.Count == 0)
            throw new ArgumentException("give one positive integer per layer, such as 1,2,4,8.");
        if (layersGiven && layers != dilations.Count)
            throw new ArgumentException(
                $"{dilations.Count} dilation(s) given for {layers} layer(s); the count of dilations sets the layers, so leave the layer count out or make them agree.");
        return dilations.Count;
    }

    /// <summary>"1,2,4" for a list of dilations, "1" per layer when none was set.</summary>
    public static string Describe(SequenceModelOptions options) =>
        string.Join(',', options.Dilations ?? Enumerable.Repeat(1, options.Layers));
}
