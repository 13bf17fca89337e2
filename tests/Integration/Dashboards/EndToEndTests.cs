using System.Diagnostics;
using System.Text.Json;

namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>
/// A real `recurrent train --metrics-port` run scraped by a real Prometheus with the shipped rules: every query of
/// every dashboard panel and every recording rule must return finite data for the run, and every rule must
/// evaluate without error.
/// </summary>
public sealed class EndToEndTests
{
    private const string RunId = "dashboards-e2e";

    /// <summary>
    /// Grafana sets $__rate_interval to max($__interval + scrape interval, 4 × scrape interval). With the 1 s
    /// scrapes here that is 4 s and more on longer time ranges; 15 s keeps a dozen samples in every window while
    /// data arrives within seconds of the first scrape.
    /// </summary>
    private const string RateInterval = "15s";

    /// <summary>
    /// Panels whose queries use recurrent_runs{state}: it counts the runs held by `recurrent serve` and has no run
    /// label, so a CLI run cannot be expected to fill them. They must still evaluate without error.
    /// </summary>
    private static readonly string[] ServiceOnlyPanels = ["Runs by state"];

    /// <summary>
    /// The rules using recurrent_runs{state}, for the same reason: none since the stall alert reads
    /// recurrent_run_info{run,state}, which a CLI run exports too. Alerts are only required to evaluate.
    /// </summary>
    private static readonly string[] ServiceOnlyRules = [];

    private static readonly TimeSpan DataDeadline = TimeSpan.FromSeconds(40);

    [Fact]
    public void Every_panel_query_and_recording_rule_returns_data_from_a_real_training_run()
    {
        var clock = Stopwatch.StartNew();
        var dashboard = GrafanaDashboard.Load(RepositoryFiles.TrainingDashboard);
        var output = Directory.CreateTempSubdirectory("recurrent-e2e-");
        try
        {
            int metricsPort = ExternalProcess.FreeLoopbackPort();
            using var training = StartTraining(metricsPort, Path.Combine(output.FullName, RunId + ".model"));
            using var prometheus = PrometheusServer.Start($"127.0.0.1:{metricsPort}");

            var rules = LoadedRules(prometheus);
            var panelQueries = dashboard.Queries.Select(q => (Name: $"panel '{q.Panel}' {q.RefId}", q.Panel, PromQl: Substitute(q.Expression))).ToList();

            var servicePanels = panelQueries.Where(q => UsesServiceOnlyMetric(q.PromQl)).Select(q => q.Panel).Distinct().Order().ToList();
            var serviceRules = rules.Where(r => UsesServiceOnlyMetric(r.Query)).Select(r => r.Name).Order().ToList();
            Assert.Equal(ServiceOnlyPanels.Order(), servicePanels);
            Assert.Equal(ServiceOnlyRules.Order(), serviceRules);

            var mustHaveData = panelQueries.Where(q => !ServiceOnlyPanels.Contains(q.Panel)).Select(q => (q.Name, q.PromQl))
                .Concat(rules.Where(r => r.Type == "recording").Select(r => ($"recording rule {r.Name}", $"{r.Name}{{run=\"{RunId}\"}}")))
                .ToList();
            Assert.Equal(MetricContract.RecordingRules.Length, rules.Count(r => r.Type == "recording"));

            var missing = WaitForData(prometheus, training, mustHaveData);
            Assert.True(missing.Count == 0,
                $"No finite data for {RunId} after {DataDeadline.TotalSeconds} s from:\n  {string.Join("\n  ", missing)}"
                + $"\n--- training ---\n{Tail(training.Output)}\n--- prometheus ---\n{Tail(prometheus.Log)}");

            var now = DateTimeOffset.UtcNow;
            foreach (var (name, promQl) in panelQueries.Where(q => ServiceOnlyPanels.Contains(q.Panel)).Select(q => (q.Name, q.PromQl)))
                Assert.Equal("vector", prometheus.Query(promQl, now).GetProperty("resultType").GetString());

            var runs = prometheus.Get($"/api/v1/label/run/values?match[]=recurrent_train_steps_total");
            Assert.Contains(RunId, runs.EnumerateArray().Select(v => v.GetString()));

            // The run is named as running by recurrent_run_info, scraped as OpenMetrics (Prometheus asks for it
            // first), whose _created samples prometheus.yml's metric_relabel_configs drop.
            var info = PrometheusServer.Samples(prometheus.Query($"recurrent_run_info{{run=\"{RunId}\",state=\"running\"}}", now));
            Assert.Equal(1, Assert.Single(info).Value);
            var names = prometheus.Get("/api/v1/label/__name__/values").EnumerateArray().Select(v => v.GetString()!).ToList();
            Assert.Contains("recurrent_train_steps_total", names);
            Assert.DoesNotContain(names, n => n.EndsWith("_created", StringComparison.Ordinal));
            var target = Assert.Single(prometheus.Get("/api/v1/targets").GetProperty("activeTargets").EnumerateArray());
            Assert.Equal("up", target.GetProperty("health").GetString());

            foreach (var rule in LoadedRules(prometheus))
            {
                Assert.True(rule.Health == "ok", $"rule {rule.Name} is {rule.Health}: {rule.LastError}");
                prometheus.Query(rule.Query, now);
                var unknown = PromQlNames.In(rule.Query).Where(n => !MetricContract.SeriesNames.Contains(n)).ToList();
                Assert.True(unknown.Count == 0, $"rule {rule.Name} uses {string.Join(", ", unknown)}, not in the metric contract");
            }

            Assert.False(training.HasExited && !training.Output.Contains("sequences_per_second", StringComparison.Ordinal),
                $"the training run failed:\n{Tail(training.Output)}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the end-to-end check took {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A tanh RNN with skip updates (so the skip panel has its series too; other panels read it as any run) on temporal
    /// order (T = 30) with clipping, one thread, sized to train for minutes even at full speed
    /// (an earlier size finished in five seconds once the engine got faster, before Prometheus had two scrapes of it);
    /// the test ends it as soon as the checks pass. It keeps serving 60 s after training so a slow machine still has
    /// the series when the checks run.
    /// </summary>
    private static ExternalProcess StartTraining(int metricsPort, string modelPath) =>
        ExternalProcess.Start(ExternalProcess.DotnetHost,
        [
            RepositoryFiles.RecurrentDll, "train",
            "--data", "temporal-order:30", "--count", "6400", "--epochs", "10000",
            "--cell", "rnn", "--hidden", "32", "--batch", "32", "--clip-norm", "1", "--threads", "1", "--skip-updates",
            "--out", modelPath, "--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--metrics-linger", "60",
        ]);

    /// <summary>
    /// Polls the queries until each has returned a finite sample for the run at least once, or the deadline; returns
    /// the ones that never did. (Once training ends, rates over the last 15 s fall to zero, so a query is not asked
    /// to keep returning data after it has.)
    /// </summary>
    private static List<string> WaitForData(PrometheusServer prometheus, ExternalProcess training, List<(string Name, string PromQl)> queries)
    {
        var deadline = DateTime.UtcNow + DataDeadline;
        var pending = queries.ToList();
        while (pending.Count > 0 && DateTime.UtcNow < deadline)
        {
            if (training.HasExited && !training.Output.Contains("sequences_per_second", StringComparison.Ordinal))
                Assert.Fail($"the training run exited early:\n{Tail(training.Output)}");
            var now = DateTimeOffset.UtcNow;
            pending.RemoveAll(q => HasFiniteSampleForRun(prometheus.Query(q.PromQl, now)));
            if (pending.Count > 0)
                Thread.Sleep(1000);
        }
        return [.. pending.Select(q => $"{q.Name}: {q.PromQl}")];
    }

    private static bool HasFiniteSampleForRun(JsonElement data)
    {
        var samples = PrometheusServer.Samples(data);
        Assert.All(samples, s => Assert.Equal(RunId, s.Labels.GetValueOrDefault("run")));
        return samples.Any(s => double.IsFinite(s.Value));
    }

    private sealed record LoadedRule(string Name, string Type, string Query, string Health, string LastError);

    /// <summary>The rules Prometheus loaded, which must be exactly those of rules.yml.</summary>
    private static List<LoadedRule> LoadedRules(PrometheusServer prometheus)
    {
        var rules = (from g in prometheus.Get("/api/v1/rules").GetProperty("groups").EnumerateArray()
                     from r in g.GetProperty("rules").EnumerateArray()
                     select new LoadedRule(
                         r.GetProperty("name").GetString()!,
                         r.GetProperty("type").GetString()!,
                         r.GetProperty("query").GetString()!,
                         r.GetProperty("health").GetString()!,
                         r.TryGetProperty("lastError", out var e) ? e.GetString() ?? "" : "")).ToList();
        var expected = RuleFiles.RuleNames(File.ReadAllText(RepositoryFiles.Rules)).Select(r => r.Name);
        Assert.Equal(expected.Order(StringComparer.Ordinal), rules.Select(r => r.Name).Order(StringComparer.Ordinal));
        return rules;
    }

    private static bool UsesServiceOnlyMetric(string promQl) => PromQlNames.In(promQl).Contains(MetricContract.ServiceOnlyMetric);

    /// <summary>
    /// The Grafana variables of the dashboard's queries: $run as one selected run, $layer and $direction as "All"
    /// (their allValue), and $__rate_interval.
    /// </summary>
    private static string Substitute(string expression)
    {
        var promQl = expression
            .Replace("$__rate_interval", RateInterval, StringComparison.Ordinal)
            .Replace("$run", RunId, StringComparison.Ordinal)
            .Replace("$layer", ".*", StringComparison.Ordinal)
            .Replace("$direction", ".*", StringComparison.Ordinal);
        Assert.DoesNotContain("$", promQl, StringComparison.Ordinal);
        return promQl;
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
