using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Page;

/// <summary>
/// The sweeps panel against a real fleet worker on a real PostgreSQL: a 2×2 sweep trains, the panel lists its runs in
/// the API's ranking with the API's figures, and a row opens its run in the run view.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SweepPanelTests(PostgresCluster cluster, ITestOutputHelper output)
{
    /// <summary>The panel: whether shown, the banner, the hash, the run title, and each row's cells by key.</summary>
    private const string Probe = """
        (() => ({
          hidden: document.querySelector('[data-testid=sweeps-panel]').hidden,
          banner: document.querySelector('[data-testid=error-banner]').hidden ? null : document.querySelector('[data-testid=error-banner]').textContent,
          hash: location.hash,
          title: document.querySelector('[data-testid=run-title]').textContent,
          rows: [...document.querySelectorAll('[data-testid=sweep-row]')].map(r => ({ id: Number(r.dataset.runId),
            cells: Object.fromEntries([...r.cells].map(c => [c.dataset.key, c.textContent])) })),
        }))()
        """;

    [Fact]
    public async Task Sweep_runs_are_listed_in_the_api_ranking_and_a_row_opens_its_run()
    {
        await using var worker = await FleetProcess.StartWorkerAsync(cluster.NewDatabase(), "viewer", "--Recurrent:MaxConcurrentRuns=2");
        var sweep = new
        {
            name = "remedies",
            @base = new { data = "temporal-order:20", count = 64, hidden = 8, epochs = 2, batch = 16, seed = 5 },
            grid = new Dictionary<string, object?[]> { ["cell"] = ["rnn", "gru"], ["clip_norm"] = [1, null] },
        };
        using var created = await worker.Client.PostAsync("/api/sweeps", ApiClient.Json(sweep));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (long)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        await FleetProcess.WaitAllEndedAsync(worker.Client, 4, 180);
        var ranked = (await worker.Client.GetFromJsonAsync<JsonObject>($"/api/sweeps/{id}"))!["runs"]!.AsArray().Select(r => r!.AsObject()).ToArray();

        // The tanh RNNs come first in the grid and last in the ranking, so the page cannot pass by listing runs by id.
        Assert.NotEqual(ranked.Select(r => (long)r["id"]!).Order(), ranked.Select(r => (long)r["id"]!));

        await using var browser = await HeadlessChromium.StartAsync(1400, 1400);
        await browser.NavigateAsync($"http://127.0.0.1:{worker.Port}/#sweep={id}");
        await browser.WaitForAsync("document.querySelectorAll('[data-testid=sweep-row]').length === 4", TimeSpan.FromSeconds(15), Probe);
        var shown = (await browser.EvaluateAsync(Probe))!;
        output.WriteLine(shown.ToJsonString());
        Assert.False((bool)shown["hidden"]!);
        Assert.Null(shown["banner"]);
        var rows = shown["rows"]!.AsArray().Select(r => r!.AsObject()).ToArray();
        Assert.Equal(ranked.Select(r => (long)r["id"]!), rows.Select(r => (long)r["id"]!));
        foreach (var (api, row) in ranked.Zip(rows))
        {
            var cells = row["cells"]!;
            var gradient = api["gradient"]!;
            Assert.Equal(((int)api["rank"]!).ToString(CultureInfo.InvariantCulture), (string?)cells["rank"]);
            Assert.Equal((string?)api["name"], (string?)cells["run"]);
            Assert.Equal("succeeded", (string?)cells["state"]);
            Assert.Equal((string?)api["values"]!["cell"], (string?)cells["option-cell"]);
            Assert.Equal(api["values"]!["clip_norm"] is null ? "none" : "1", (string?)cells["option-clip_norm"]);
            Assert.Equal(Fixed(api["valid_loss"], 4), (string?)cells["valid_loss"]);
            Assert.Equal(Fixed(api["valid_accuracy"], 3), (string?)cells["valid_accuracy"]);
            Assert.Equal(Fixed(gradient["final_log10_vanishing_ratio"], 2), (string?)cells["final_log10_vanishing_ratio"]);
            Assert.Equal(Fixed(gradient["clip_rate"], 2), (string?)cells["clip_rate"]);
            Assert.Equal("0", (string?)cells["non_finite_steps"]);
        }

        // A row other than the first (so not the run the page would open by itself) opens in the run view.
        var picked = ranked[2];
        await browser.EvaluateAsync($"document.querySelector('[data-testid=sweep-row][data-run-id=\"{picked["id"]}\"] td').click()");
        await browser.WaitForAsync($"location.hash === '#sweep={id}&run={picked["id"]}' && " +
            $"document.querySelector('[data-testid=run-title]').textContent === 'Run {picked["id"]}: {picked["name"]}' && " +
            $"document.querySelector('[data-testid=sweep-row][data-run-id=\"{picked["id"]}\"]').className === 'selected'",
            TimeSpan.FromSeconds(10), Probe);
        await browser.WaitForAsync("Number(document.querySelector('[data-testid=chart-loss]')?.dataset.pointCount) === 2", TimeSpan.FromSeconds(10), Probe);
        await browser.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "artifacts", "live-page-sweep.png"));
    }

    /// <summary>The page's toFixed: JavaScript and .NET both round the double's exact value half away from zero.</summary>
    private static string Fixed(JsonNode? value, int digits) =>
        value is null ? "—" : ((double)value).ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
