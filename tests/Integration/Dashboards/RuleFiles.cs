using System.Text.RegularExpressions;

namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>
/// Reads rule names out of rules.yml and which of them rules.test.yml exercises, line by line: enough for the
/// shapes these two files use, without a YAML library (promtool itself checks the files' validity).
/// </summary>
internal static partial class RuleFiles
{
    /// <summary>("alert" or "record", name) for every rule, in file order.</summary>
    public static List<(string Kind, string Name)> RuleNames(string rulesYaml) =>
        [.. RuleLine().Matches(rulesYaml).Select(m => (m.Groups["kind"].Value, m.Groups["name"].Value))];

    public sealed record Coverage(HashSet<string> FiringAlerts, HashSet<string> QuietAlerts, HashSet<string> TestedRecords);

    /// <summary>
    /// Alerts with an <c>alert_rule_test</c> entry expecting alerts (firing) or <c>exp_alerts: []</c> (quiet), and
    /// recording rules named by a <c>promql_expr_test</c> expression that expects samples.
    /// </summary>
    public static Coverage TestCoverage(string testsYaml)
    {
        var coverage = new Coverage([], [], []);
        string? alert = null, expression = null;
        foreach (var rawLine in testsYaml.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.StartsWith("alertname:", StringComparison.Ordinal))
                alert = line["alertname:".Length..].Trim();
            else if (line.StartsWith("- expr:", StringComparison.Ordinal))
                expression = line["- expr:".Length..].Trim();
            else if (line.StartsWith("exp_alerts:", StringComparison.Ordinal) && alert is not null)
            {
                (line.EndsWith("[]", StringComparison.Ordinal) ? coverage.QuietAlerts : coverage.FiringAlerts).Add(alert);
                alert = null;
            }
            else if (line.StartsWith("exp_samples:", StringComparison.Ordinal) && expression is not null)
            {
                if (!line.EndsWith("[]", StringComparison.Ordinal))
                    coverage.TestedRecords.Add(expression);
                expression = null;
            }
        }
        return coverage;
    }

    [GeneratedRegex(@"^\s*- (?<kind>alert|record):\s*(?<name>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RuleLine();
}
