using System.Text.RegularExpressions;

namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>scripts/prometheus.sh against the real Prometheus, and the Grafana provisioning files against it.</summary>
public sealed partial class ScriptAndProvisioningTests
{
    private static string Provisioning(string kind, string file) =>
        File.ReadAllText(Path.Combine(RepositoryFiles.Root, "dashboards", "grafana", "provisioning", kind, file));

    [Fact]
    public void Prometheus_script_scrapes_the_given_target_with_the_rules_loaded()
    {
        string target = $"127.0.0.1:{ExternalProcess.FreeLoopbackPort()}";
        using var prometheus = PrometheusServer.StartWithScript(target);

        // Service discovery hands the static target over shortly after Prometheus is ready.
        var active = prometheus.Get("/api/v1/targets").GetProperty("activeTargets");
        for (var deadline = DateTime.UtcNow.AddSeconds(10); active.GetArrayLength() == 0 && DateTime.UtcNow < deadline; Thread.Sleep(200))
            active = prometheus.Get("/api/v1/targets").GetProperty("activeTargets");
        var scrape = Assert.Single(active.EnumerateArray());
        Assert.Equal($"http://{target}/metrics", scrape.GetProperty("scrapeUrl").GetString());
        Assert.Equal("recurrent", scrape.GetProperty("labels").GetProperty("job").GetString());

        var loaded = prometheus.Get("/api/v1/rules").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray()).Select(r => r.GetProperty("name").GetString());
        var expected = RuleFiles.RuleNames(File.ReadAllText(RepositoryFiles.Rules)).Select(r => r.Name);
        Assert.Equal(expected.Order(StringComparer.Ordinal), loaded.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Prometheus_script_rejects_an_unknown_argument_and_prints_its_usage()
    {
        var script = Path.Combine(RepositoryFiles.Root, "scripts", "prometheus.sh");

        var (helpExit, help) = ExternalProcess.Run("bash", [script, "--help"], TimeSpan.FromSeconds(10));
        var (badExit, bad) = ExternalProcess.Run("bash", [script, "--port", "1"], TimeSpan.FromSeconds(10));

        Assert.Equal(0, helpExit);
        Assert.Contains("--target", help, StringComparison.Ordinal);
        Assert.Contains("default 127.0.0.1:5080", help, StringComparison.Ordinal);
        Assert.Equal(2, badExit);
        Assert.Contains("unknown argument '--port'", bad, StringComparison.Ordinal);
    }

    [Fact]
    public void Grafana_datasource_points_at_the_scripts_prometheus_with_its_scrape_interval()
    {
        var datasource = Provisioning("datasources", "prometheus.yml");
        var script = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "scripts", "prometheus.sh"));
        var config = File.ReadAllText(RepositoryFiles.PrometheusConfig);

        Assert.Matches(@"(?m)^\s+type: prometheus$", datasource);
        var url = Setting(datasource, "url");
        Assert.Contains($"PROMETHEUS_LISTEN:-{url.Replace("http://", "", StringComparison.Ordinal)}}}", script, StringComparison.Ordinal);
        // Grafana's $__rate_interval is at least 4 x timeInterval, so it must equal the real scrape interval.
        Assert.Equal(Setting(config, "scrape_interval"), Setting(datasource, "timeInterval"));
    }

    [Fact]
    public void Grafana_dashboard_provider_loads_files_into_a_folder()
    {
        var provider = Provisioning("dashboards", "recurrent.yml");

        Assert.Equal("file", Setting(provider, "type"));
        Assert.StartsWith("/", Setting(provider, "path"), StringComparison.Ordinal);
        Assert.Equal("Recurrent", Setting(provider, "folder"));
    }

    /// <summary>The value of the one "key: value" line with this key.</summary>
    private static string Setting(string yaml, string key)
    {
        var matches = SettingLine().Matches(yaml).Where(m => m.Groups["key"].Value == key).ToList();
        Assert.True(matches.Count == 1, $"expected one '{key}:' line, found {matches.Count}");
        return matches[0].Groups["value"].Value.Trim();
    }

    [GeneratedRegex(@"^\s*(?:- )?(?<key>[A-Za-z_]+):[ \t]*(?<value>[^#\n]*)", RegexOptions.Multiline)]
    private static partial Regex SettingLine();
}
