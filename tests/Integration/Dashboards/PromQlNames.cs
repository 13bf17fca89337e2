using System.Text.RegularExpressions;

namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>
/// The metric names a PromQL expression selects. Not a parser: it removes what cannot hold a metric name
/// (strings, label matchers, ranges, grouping label lists) and keeps identifiers that are not functions or
/// keywords. Prometheus itself parses every expression in the end-to-end test.
/// </summary>
internal static partial class PromQlNames
{
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right",
        "inf", "nan", "atan2",
    };

    public static IReadOnlySet<string> In(string expression)
    {
        var stripped = StringLiteral().Replace(expression, " ");
        stripped = LabelMatchers().Replace(stripped, " ");
        stripped = RangeOrSubquery().Replace(stripped, " ");
        stripped = GroupingLabels().Replace(stripped, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in Identifier().Matches(stripped))
        {
            if (!match.Groups["call"].Success && !Keywords.Contains(match.Groups["name"].Value))
                names.Add(match.Groups["name"].Value);
        }
        return names;
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex RangeOrSubquery();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex GroupingLabels();

    // Not preceded by a word character, a dot or '$' (so neither the 'e' of 1e-3 nor a Grafana variable).
    [GeneratedRegex(@"(?<![\w.$])(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();
}
