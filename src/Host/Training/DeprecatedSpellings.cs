using System.Text.RegularExpressions;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Training;

/// <summary>
/// A name an option was known by before every option took its one name (the JSON field; the flag is the same with
/// hyphens: <c>lr</c> and <c>--lr</c>). Still read, never written, documented as deprecated: <paramref name="Apply"/>
/// sets the option from a value of <paramref name="Type"/> as the old spelling meant it.
/// </summary>
/// <param name="JsonName">The old JSON field.</param>
/// <param name="Option">The option it sets (its property name).</param>
/// <param name="Type">The type of the old field's value.</param>
/// <param name="Apply">Sets the option (or options) from the old value.</param>
/// <param name="Meaning">What to write instead, when it is not the same value under the new name; <c>@field</c> is a
/// field, spelled as the user spells fields.</param>
public sealed record DeprecatedSpelling(string JsonName, string Option, Type Type, Action<TrainingRequest, object?, FieldSpelling> Apply,
    string? Meaning = null)
{
    /// <summary>The old flag: <c>--lr</c>.</summary>
    public string Flag => "--" + JsonName.Replace('_', '-');

    /// <summary>"--lr is deprecated; use --learning-rate", in the spelling the user wrote.</summary>
    public string Warning(FieldSpelling spelling) =>
        $"{TrainingRequestMapper.Spell(JsonName, spelling)} is deprecated; use " +
        (Meaning is null
            ? TrainingRequestMapper.Spell(TrainingOptions.JsonName(Option), spelling)
            : Regex.Replace(Meaning, "@([a-z0-9_]+)", m => TrainingRequestMapper.Spell(m.Groups[1].Value, spelling))) + ".";
}

/// <summary>Every deprecated spelling of an option, kept working for the users and stored runs that use it.</summary>
public static class DeprecatedSpellings
{
    /// <summary>The old names, each with the option it sets.</summary>
    public static IReadOnlyList<DeprecatedSpelling> All { get; } =
    [
        Renamed("hidden", nameof(TrainingRequest.HiddenSize)),
        Renamed("embedding", nameof(TrainingRequest.EmbeddingSize)),
        Renamed("batch", nameof(TrainingRequest.BatchSize)),
        Renamed("lr", nameof(TrainingRequest.LearningRate)),
        Renamed("lr_decay", nameof(TrainingRequest.LearningRateDecay)),
        Renamed("omega", nameof(TrainingRequest.OmegaWeight)),
        Renamed("forget_bias", nameof(TrainingRequest.ForgetGateBias)),
        Renamed("init", nameof(TrainingRequest.RecurrentInit)),
        Renamed("non_finite", nameof(TrainingRequest.NonFinitePolicy)),
        Renamed("patience", nameof(TrainingRequest.EarlyStoppingPatience)),
        Renamed("valid_fraction", nameof(TrainingRequest.ValidationFraction)),
        Renamed("min_count", nameof(TrainingRequest.VocabularyMinCount)),
        Renamed("vocab_size", nameof(TrainingRequest.VocabularyMaxSize)),
        new("gru_reset_before", nameof(TrainingRequest.GruLinearBeforeReset), typeof(bool),
            (r, v, _) => r.GruLinearBeforeReset = !(bool)v!, "@gru_linear_before_reset false"),
        new("truncate", nameof(TrainingRequest.Truncation), typeof(string), SetTruncate, "@truncation keep-first or keep-last"),
        new("bptt", nameof(TrainingRequest.TruncationSteps), typeof(string), SetBptt,
            "@truncation_steps K2 and @truncation_stride K1 for K1,K2 (neither for full)"),
    ];

    private static readonly Dictionary<string, DeprecatedSpelling> ByJsonName = All.ToDictionary(s => s.JsonName, StringComparer.Ordinal);

    /// <summary>The deprecated spelling of a JSON field, or null.</summary>
    public static DeprecatedSpelling? OfJson(string field) => ByJsonName.GetValueOrDefault(field);

    // The same value under its new name.
    private static DeprecatedSpelling Renamed(string jsonName, string option)
    {
        var target = TrainingOptions.Named(option)!;
        return new DeprecatedSpelling(jsonName, option, target.Type, (r, v, _) => target.Property.SetValue(r, v));
    }

    private static void SetTruncate(TrainingRequest request, object? value, FieldSpelling spelling) =>
        request.Truncation = (value as string)?.ToLowerInvariant() switch
        {
            "first" => TruncationPolicy.KeepFirst,
            "last" => TruncationPolicy.KeepLast,
            _ => throw new TrainingRequestException("truncate",
                $"{TrainingRequestMapper.Spell("truncate", spelling)}: '{value}' is not first or last."),
        };

    // "full" (no truncation) or "K1,K2": every K1 steps, the gradient goes back at most K2 steps.
    private static void SetBptt(TrainingRequest request, object? value, FieldSpelling spelling)
    {
        var text = value as string ?? "full";
        if (text.Equals("full", StringComparison.OrdinalIgnoreCase))
        {
            (request.TruncationStride, request.TruncationSteps) = (null, null);
            return;
        }
        var parts = text.Split(',');
        if (parts.Length == 2 && int.TryParse(parts[0], out var k1) && int.TryParse(parts[1], out var k2) && k1 > 0 && k2 > 0)
        {
            (request.TruncationStride, request.TruncationSteps) = (k1, k2);
            return;
        }
        throw new TrainingRequestException("bptt",
            $"{TrainingRequestMapper.Spell("bptt", spelling)}: '{text}' is not 'full' or two positive whole numbers K1,K2.");
    }
}
