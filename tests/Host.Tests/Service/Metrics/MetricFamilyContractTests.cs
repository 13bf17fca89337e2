using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Diagnostics.Tests.Metrics;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Metrics;

/// <summary>
/// /metrics exposes exactly the families, types and label keys of dashboards/metric-families.txt: the contract the
/// dashboards and alert rules are written against, committed from what the hand-made writer exported before the
/// switch to OpenTelemetry's exporter (plus recurrent_run_info).
/// </summary>
public sealed class MetricFamilyContractTests
{
    private static readonly string ContractFile = Path.Combine(Repository.Root(), "dashboards", "metric-families.txt");

    [Fact]
    public void A_scrape_of_a_trained_run_has_exactly_the_committed_families_and_label_keys()
    {
        using var metrics = new TrainingMetrics();
        using var endpoint = new MetricsEndpoint(metrics);
        // A run with skip updates at the block detail level, so the families only such runs export are scraped too.
        TrainingScenario.Train(metrics, "contract", updateShares: [0.6, 0.4], detailed: true);
        metrics.SetRunStates(new RunStateCounts(0, 1, 0, 0, 0));

        var scraped = Families(endpoint.Text());

        var committed = File.ReadAllLines(ContractFile).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal(committed, scraped);
    }

    [Fact]
    public void OpenMetrics_has_the_same_families_with_counters_named_without_total()
    {
        using var metrics = new TrainingMetrics();
        using var endpoint = new MetricsEndpoint(metrics);
        TrainingScenario.Train(metrics, "contract");

        var text = endpoint.Text();
        var openMetrics = endpoint.Get(MetricsEndpoint.OpenMetricsAccept).Body;

        static IEnumerable<string> Declared(string body) => Expositions.Lines(body)
            .Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(l => l.Split(' ') is var p && p[3] == "counter" ? p[2].Replace("_total", "", StringComparison.Ordinal) : p[2])
            .Order();
        Assert.Equal(Declared(text), Declared(openMetrics));
    }

    /// <summary>"name type key1,key2" per family, sorted by name; keys are the union over the family's samples.</summary>
    private static List<string> Families(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Expositions.Lines(text).Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)))
        {
            var parts = line.Split(' ');
            types[parts[2]] = parts[3];
        }
        var keys = types.Keys.ToDictionary(f => f, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var sample in Expositions.Lines(text).Where(l => !l.StartsWith('#')))
        {
            var name = Expositions.SampleName(sample);
            var family = types.ContainsKey(name) ? name
                : types.Keys.Single(f => types[f] == "histogram" && name.StartsWith(f + "_", StringComparison.Ordinal));
            keys[family].UnionWith(Expositions.LabelKeys(sample));
        }
        return [.. types.Keys.Order(StringComparer.Ordinal).Select(f => $"{f} {types[f]} {string.Join(',', keys[f])}")];
    }
}
