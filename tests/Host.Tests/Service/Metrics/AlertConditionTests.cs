using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Metrics;

/// <summary>
/// The shipped alert rules against real runs: a service trains runs driven into each condition while a real
/// Prometheus scrapes it with dashboards/prometheus/rules.yml, and each alert's expression (its condition without
/// the <c>for</c> wait) becomes true for the run driven into it and stays false for a healthy LSTM. The test waits on
/// the conditions, not on times: its deadline only bounds a failure.
/// </summary>
public sealed partial class AlertConditionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(6);

    /// <summary>The alert whose expression must become true, and the run driven into it.</summary>
    private static readonly (string Alert, string Run)[] Driven =
    [
        ("RecurrentVanishingGradients", "vanishing"),
        ("RecurrentVanishingGradientsPath", "vanishing"),
        ("RecurrentExplodingGradientsClipRate", "exploding"),
        ("RecurrentUpdateRatioOutOfBand", "exploding"),
        ("RecurrentDeadReluUnits", "dying"),
        ("RecurrentNonFiniteSteps", "diverging"),
        ("RecurrentForgetGateSaturated", "saturated"),
    ]; // RecurrentRunStalled: a run held still, in a test of its own

    [Fact]
    public async Task Each_alert_expression_is_true_on_the_run_driven_into_it_and_false_on_a_healthy_lstm()
    {
        var alerts = AlertExpressions(File.ReadAllText(Path.Combine(Repository.Root(), "dashboards", "prometheus", "rules.yml")));
        Assert.Subset(alerts.Keys.ToHashSet(), Driven.Select(d => d.Alert).ToHashSet());

        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), extraArgs: ["--Recurrent:MaxConcurrentRuns=6"]);
        using var prometheus = StartPrometheus(service.Port, out var client);
        try
        {
            // Scraping before the runs start, so a counter's first samples are its first values (a run that goes
            // non-finite at once still shows an increase).
            await WaitForAsync(client, "up{job=\"recurrent\"} == 1", "Prometheus never scraped the service");
            var ids = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var run in Runs())
                ids[(string)run["name"]!] = (long)(await service.Client.CreateRunAsync(run))["id"]!;

            // Every driven condition, as Prometheus evaluates it on what it scraped.
            var pending = Driven.ToList();
            var clock = Stopwatch.StartNew();
            while (pending.Count > 0 && clock.Elapsed < Deadline)
            {
                foreach (var (alert, run) in pending.ToList())
                {
                    if ((await RunsFlaggedAsync(client, alerts[alert])).Contains(run))
                    {
                        output.WriteLine($"{clock.Elapsed.TotalSeconds,5:F0} s  {alert} true for {run}");
                        pending.Remove((alert, run));
                    }
                }
                if (pending.Count > 0)
                    await Task.Delay(1000);
            }
            await ReportAsync(client);
            Assert.True(pending.Count == 0, $"never true: {string.Join(", ", pending.Select(p => $"{p.Alert} on {p.Run}"))}");

            // The healthy LSTM once it has learned the task (before, its gradient too fades over the 50 steps, as
            // the gates have not yet learned to keep it): no alert's condition names it.
            var learned = await service.Client.WaitRunAsync(ids["healthy"], r => r["epoch_history"]!.AsArray()
                .Any(e => (double?)e!["train_accuracy"] >= 0.95), Deadline.TotalSeconds);
            var step = (long)learned["progress"]!["step"]!;
            await WaitForAsync(client, $"recurrent_train_steps_total{{run=\"healthy\"}} >= {step}", "Prometheus never scraped the learned LSTM");
            output.WriteLine($"healthy LSTM learned by step {step}: {learned["epoch_history"]!.ToJsonString()}");
            foreach (var (alert, expression) in alerts)
            {
                var flagged = await RunsFlaggedAsync(client, expression);
                output.WriteLine($"{alert}: {string.Join(", ", flagged.Order())}");
                Assert.DoesNotContain("healthy", flagged);
            }
        }
        finally
        {
            prometheus.Kill();
            prometheus.WaitForExit();
        }
    }

    [Fact]
    public async Task The_stalled_alert_expression_names_a_running_run_that_takes_no_step_and_lets_it_go_when_it_steps()
    {
        var stalled = AlertExpressions(File.ReadAllText(Path.Combine(Repository.Root(), "dashboards", "prometheus", "rules.yml")))["RecurrentRunStalled"];
        var dataDir = ServiceProcess.NewDataDir();
        var hold = Path.Combine(dataDir, "hold");
        File.WriteAllText(hold, "1");
        await using var service = await ServiceProcess.StartAsync(dataDir, extraArgs: [$"--Recurrent:Debug:HoldFile={hold}"]);
        var id = (long)(await service.Client.CreateRunAsync(TrainingSpecs.Interruptible("stalled")))["id"]!;
        await service.Client.WaitRunAsync(id, r => (long)r["progress"]!["step"]! == 1); // held after its first step
        using var prometheus = StartPrometheus(service.Port, out var client);
        try
        {
            // Every sample Prometheus takes of the held run shows one step: no increase, while it is running.
            await WaitForAsync(client, $"({stalled}) and on (run) max by (run) (recurrent_run_info{{run=\"stalled\"}})",
                "the stalled alert's expression never named the held run");
            File.Delete(hold);
            await WaitForAsync(client, "max by (run) (recurrent_train_steps_total{run=\"stalled\"}) > 1", "the run never stepped again");
            Assert.DoesNotContain("stalled", await RunsFlaggedAsync(client, stalled));
        }
        finally
        {
            prometheus.Kill();
            prometheus.WaitForExit();
        }
    }

    /// <summary>
    /// vanishing: a bidirectional tanh RNN on temporal order over 200 steps (both directions lose the gradient);
    /// exploding: a tanh RNN trained by SGD at learning rate 3 with the global norm clipped to 1 (every step
    /// clipped, each update a large share of the weights); dying: a ReLU RNN with identity W_hh and learning rate 1,
    /// clipped (its state explodes in the first steps, then most units die); diverging: the same unclipped (every
    /// step non-finite);
    /// saturated: an LSTM whose forget gate starts at sigmoid(10); healthy: an LSTM at Adam's usual learning rate 1e-3 on
    /// temporal order over 50 steps, unclipped. (The demo's LSTM, at 5e-3 and clipped to 1, is not quiet in its first
    /// epochs: over half of its steps clipped and a p99 norm over ten times the threshold, a warm-up shorter than the
    /// alerts' 5 and 10 minutes of <c>for</c>; the expressions alone, without the wait, name it.)
    /// </summary>
    private static IEnumerable<Dictionary<string, object?>> Runs()
    {
        Dictionary<string, object?> Run(string name, string data, string cell, Dictionary<string, object?> extra)
        {
            var run = new Dictionary<string, object?>
            {
                ["name"] = name,
                ["data"] = data,
                ["count"] = 4000,
                ["cell"] = cell,
                ["hidden"] = 32,
                ["epochs"] = 500,
                ["batch"] = 32,
                ["seed"] = 1,
                ["threads"] = 1,
            };
            foreach (var (key, value) in extra)
                run[key] = value;
            return run;
        }
        yield return Run("healthy", "temporal-order:50", "lstm", new() { ["lr"] = 0.001 });
        yield return Run("vanishing", "temporal-order:200", "rnn", new() { ["bidirectional"] = true, ["clip_norm"] = 1.0 });
        yield return Run("exploding", "temporal-order:50", "rnn", new() { ["lr"] = 3.0, ["optimizer"] = "sgd", ["clip_norm"] = 1.0 });
        yield return Run("dying", "temporal-order:50", "rnn",
            new() { ["activation"] = "relu", ["recurrent_init"] = "identity", ["lr"] = 1.0, ["optimizer"] = "sgd", ["clip_norm"] = 1.0 });
        yield return Run("diverging", "temporal-order:50", "rnn",
            new() { ["activation"] = "relu", ["recurrent_init"] = "identity", ["lr"] = 1.0, ["optimizer"] = "sgd", ["count"] = 20000 });
        yield return Run("saturated", "temporal-order:50", "lstm", new() { ["forget_gate_bias"] = 10.0 });
    }

    /// <summary>Each alert's expression, read from rules.yml (a block scalar after <c>expr: |</c>, or one line).</summary>
    internal static Dictionary<string, string> AlertExpressions(string rulesYaml)
    {
        var alerts = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = rulesYaml.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var alert = AlertLine().Match(lines[i]);
            if (!alert.Success)
                continue;
            var j = i + 1;
            while (!lines[j].TrimStart().StartsWith("expr:", StringComparison.Ordinal))
                j++;
            var first = lines[j].Trim()["expr:".Length..].Trim();
            if (first != "|")
            {
                alerts[alert.Groups[1].Value] = first;
                continue;
            }
            var indent = lines[j + 1].Length - lines[j + 1].TrimStart().Length;
            var body = lines.Skip(j + 1).TakeWhile(l => l.Trim().Length == 0 || l.Length - l.TrimStart().Length >= indent);
            alerts[alert.Groups[1].Value] = string.Join('\n', body).Trim();
        }
        return alerts;
    }

    [GeneratedRegex(@"^\s*- alert:\s*(\S+)\s*$")]
    private static partial Regex AlertLine();

    private static async Task<HashSet<string>> RunsFlaggedAsync(HttpClient client, string expression)
    {
        try
        {
            var body = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/query?query={Uri.EscapeDataString(expression)}"))!;
            return [.. body["data"]!["result"]!.AsArray().Select(s => (string?)s!["metric"]!["run"] ?? "")];
        }
        catch (HttpRequestException)
        {
            return []; // Prometheus is still starting
        }
    }

    private static async Task WaitForAsync(HttpClient client, string query, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Deadline)
        {
            try
            {
                var body = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/query?query={Uri.EscapeDataString(query)}"))!;
                if (body["data"]!["result"]!.AsArray().Count > 0)
                    return;
            }
            catch (HttpRequestException)
            {
                // Prometheus is still starting.
            }
            await Task.Delay(500);
        }
        throw new TimeoutException(failure);
    }

    /// <summary>What each run shows, for the test's log: the figures the alerts read.</summary>
    private async Task ReportAsync(HttpClient client)
    {
        string[] queries =
        [
            "max by (run) (recurrent_grad_vanishing_log10_ratio)",
            "min by (run) (recurrent_grad_path_vanishing_log10_ratio)",
            "run:recurrent_grad_clip_rate:ratio_rate5m",
            "max by (run) (recurrent_grad_nonfinite_steps_total)",
            "max by (run, unit) (recurrent_saturation_ratio{unit=~\"f|relu_dead\"})",
            "max by (run) (recurrent_update_ratio{block=~\"W_.*\"})",
            "min by (run) (recurrent_update_ratio{block=~\"W_.*\"})",
            "max by (run) (recurrent_train_steps_total)",
            "count by (run) ({__name__=~\"recurrent_.+\", run!=\"\"})",
        ];
        foreach (var query in queries)
        {
            var body = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/query?query={Uri.EscapeDataString(query)}"))!;
            var values = body["data"]!["result"]!.AsArray().Select(s =>
                $"{(string?)s!["metric"]!["run"]}{((string?)s["metric"]!["unit"] is { } u ? "/" + u : "")}={(string)s["value"]![1]!}");
            output.WriteLine($"{query}: {string.Join(", ", values)}");
        }
    }

    private static Process StartPrometheus(int servicePort, out HttpClient client)
    {
        var dir = Directory.CreateTempSubdirectory("recurrent-alerts-").FullName;
        var shipped = Path.Combine(Repository.Root(), "dashboards", "prometheus");
        // The shipped configuration, scraping this service every second and evaluating the rules as often.
        File.WriteAllText(Path.Combine(dir, "prometheus.yml"), File.ReadAllText(Path.Combine(shipped, "prometheus.yml"))
            .Replace("scrape_interval: 5s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("evaluation_interval: 5s", "evaluation_interval: 1s", StringComparison.Ordinal)
            .Replace("  - rules.yml", $"  - {Path.Combine(shipped, "rules.yml")}", StringComparison.Ordinal)
            .Replace("127.0.0.1:5080", $"127.0.0.1:{servicePort}", StringComparison.Ordinal));
        var port = ServiceProcess.FreePort();
        var info = new ProcessStartInfo("/usr/bin/prometheus") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { $"--config.file={dir}/prometheus.yml", $"--storage.tsdb.path={dir}/tsdb", $"--web.listen-address=127.0.0.1:{port}" })
            info.ArgumentList.Add(arg);
        var prometheus = Process.Start(info)!;
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        return prometheus;
    }
}
