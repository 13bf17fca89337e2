using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Workers;

/// <summary>
/// dashboards/prometheus/fleet.yml in a real Prometheus: it finds two workers through its file_sd_configs target
/// file, and the fleet queries of dashboards/README.md count each worker and each run once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FleetPrometheusTests(PostgresCluster cluster)
{
    [Fact]
    public async Task Prometheus_scrapes_the_fleet_from_target_files_and_the_fleet_queries_count_once()
    {
        var database = cluster.NewDatabase();
        await using var a = await FleetProcess.StartWorkerAsync(database, "p1");
        await using var b = await FleetProcess.StartWorkerAsync(database, "p2", "--Recurrent:MaxConcurrentRuns=2");
        var id = (long)(await a.Client.CreateRunAsync(FleetProcess.Quick("scraped")))["id"]!;
        await b.Client.WaitStateAsync(id, "succeeded", 120);

        var dir = Directory.CreateTempSubdirectory("recurrent-fleet-prometheus-").FullName;
        var shipped = Path.Combine(Repository.Root(), "dashboards", "prometheus");
        File.WriteAllText(Path.Combine(dir, "fleet.yml"), File.ReadAllText(Path.Combine(shipped, "fleet.yml"))
            .Replace("  - rules.yml", $"  - {Path.Combine(shipped, "rules.yml")}", StringComparison.Ordinal));
        Directory.CreateDirectory(Path.Combine(dir, "fleet-targets"));
        File.WriteAllText(Path.Combine(dir, "fleet-targets", "workers.json"),
            $$"""[{"targets": ["127.0.0.1:{{a.Port}}", "127.0.0.1:{{b.Port}}"], "labels": {"fleet": "test"} }]""");
        var port = ServiceProcess.FreePort();
        var info = new ProcessStartInfo("/usr/bin/prometheus") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { $"--config.file={dir}/fleet.yml", $"--storage.tsdb.path={dir}/tsdb", $"--web.listen-address=127.0.0.1:{port}" })
            info.ArgumentList.Add(arg);
        using var prometheus = Process.Start(info)!;
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            // Both scraped, and their gauges in: up, then the load gauges and the run counts of both workers.
            await WaitValueAsync(client, "count(up{job=\"recurrent-fleet\",fleet=\"test\"} == 1)", 2);
            // Every worker's recurrent_runs follows the shared store (refreshed by its heartbeat), so the sum counts the
            // run once per worker, and the README's max counts it once.
            await WaitValueAsync(client, "sum(recurrent_runs{state=\"succeeded\"})", 2);
            Assert.Equal(3, await ValueAsync(client, "sum(recurrent_worker_capacity_runs)"));
            Assert.Equal(2, await ValueAsync(client, "sum(recurrent_worker_store_up)"));
            Assert.Equal(1, await ValueAsync(client, "max without (instance, worker) (recurrent_runs{state=\"succeeded\",job=\"recurrent-fleet\"})"));
        }
        finally
        {
            prometheus.Kill();
            prometheus.WaitForExit();
        }
    }

    private static async Task WaitValueAsync(HttpClient client, string query, double expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        double? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await ValueAsync(client, query);
                if (last == expected)
                    return;
            }
            catch (HttpRequestException)
            {
                // Prometheus is still starting.
            }
            await Task.Delay(500);
        }
        throw new TimeoutException($"{query} was {last?.ToString(CultureInfo.InvariantCulture) ?? "absent"}, not {expected}");
    }

    private static async Task<double?> ValueAsync(HttpClient client, string query)
    {
        var body = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/query?query={Uri.EscapeDataString(query)}"))!;
        var result = body["data"]!["result"]!.AsArray();
        return result.Count == 0 ? null : double.Parse((string)result[0]!["value"]![1]!, CultureInfo.InvariantCulture);
    }
}
