using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>
/// A real Prometheus on a free loopback port with dashboards/prometheus/rules.yml loaded, scraping one target:
/// either with a generated config (1 s scrape and rule evaluation) or as scripts/prometheus.sh starts it.
/// Killed and its data deleted on Dispose.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    private readonly DirectoryInfo _directory;
    private readonly ExternalProcess _process;
    private readonly HttpClient _http;

    private PrometheusServer(DirectoryInfo directory, ExternalProcess process, HttpClient http)
    {
        _directory = directory;
        _process = process;
        _http = http;
    }

    public static PrometheusServer Start(string target)
    {
        var prometheus = PromTool.Require(PromTool.PrometheusPath);
        var directory = Directory.CreateTempSubdirectory("recurrent-prometheus-");
        var config = Path.Combine(directory.FullName, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files:
              - {RepositoryFiles.Rules}
            scrape_configs:
              - job_name: recurrent
                static_configs:
                  - targets: ['{target}']
            {RelabelConfigs()}
            """);
        int port = ExternalProcess.FreeLoopbackPort();
        var process = ExternalProcess.Start(prometheus,
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory.FullName, "tsdb")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]);
        return WhenReady(directory, process, port);
    }

    /// <summary>
    /// The metric_relabel_configs block that ends dashboards/prometheus/prometheus.yml (its scrape job is indented
    /// as the generated one), so the generated config drops what the shipped one drops.
    /// </summary>
    private static string RelabelConfigs()
    {
        var lines = File.ReadAllLines(RepositoryFiles.PrometheusConfig);
        var start = Array.FindIndex(lines, l => l == "    metric_relabel_configs:");
        Assert.True(start > 0, "dashboards/prometheus/prometheus.yml must end with its scrape job's metric_relabel_configs");
        return string.Join("\n", lines[start..]);
    }

    /// <summary>Prometheus as scripts/prometheus.sh starts it, with its data in a temporary directory.</summary>
    public static PrometheusServer StartWithScript(string target)
    {
        PromTool.Require(PromTool.PrometheusPath);
        var directory = Directory.CreateTempSubdirectory("recurrent-prometheus-script-");
        int port = ExternalProcess.FreeLoopbackPort();
        var process = ExternalProcess.Start("bash",
        [
            Path.Combine(RepositoryFiles.Root, "scripts", "prometheus.sh"),
            "--target", target, "--listen", $"127.0.0.1:{port}", "--data", directory.FullName,
        ]);
        return WhenReady(directory, process, port);
    }

    private static PrometheusServer WhenReady(DirectoryInfo directory, ExternalProcess process, int port)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        var server = new PrometheusServer(directory, process, http);
        try
        {
            server.WaitUntilReady(TimeSpan.FromSeconds(20));
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public string Log => _process.Output;

    /// <summary>An instant query at <paramref name="time"/>; the response's "data" on success, else a failed assertion.</summary>
    public JsonElement Query(string promQl, DateTimeOffset time)
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = promQl,
            ["time"] = (time.ToUnixTimeMilliseconds() / 1000.0).ToString(CultureInfo.InvariantCulture),
        });
        using var response = _http.PostAsync("/api/v1/query", form).GetAwaiter().GetResult();
        var body = response.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult();
        if (body.GetProperty("status").GetString() != "success")
            Assert.Fail($"Prometheus rejected {promQl}: {body}");
        return body.GetProperty("data");
    }

    /// <summary>GET of an API path, returning "data".</summary>
    public JsonElement Get(string pathAndQuery)
    {
        var body = _http.GetFromJsonAsync<JsonElement>(pathAndQuery).GetAwaiter().GetResult();
        Assert.Equal("success", body.GetProperty("status").GetString());
        return body.GetProperty("data");
    }

    /// <summary>The samples of an instant vector result.</summary>
    public static List<(Dictionary<string, string> Labels, double Value)> Samples(JsonElement data)
    {
        Assert.Equal("vector", data.GetProperty("resultType").GetString());
        return [.. data.GetProperty("result").EnumerateArray().Select(r => (
            r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
            double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
    }

    public void Dispose()
    {
        _http.Dispose();
        _process.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Prometheus may still be closing its files; the temp directory is left behind.
        }
    }

    private void WaitUntilReady(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                Assert.Fail($"Prometheus exited at start:\n{_process.Output}");
            try
            {
                using var response = _http.GetAsync("/-/ready").GetAwaiter().GetResult();
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            Thread.Sleep(100);
        }
        Assert.Fail($"Prometheus was not ready within {timeout.TotalSeconds} s:\n{_process.Output}");
    }
}
