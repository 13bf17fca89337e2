using System.Globalization;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Page;

/// <summary>Runs side by side: the demo opens compared, ticking runs compares them, and the URL holds the selection.</summary>
public sealed class CompareViewTests(ITestOutputHelper output)
{
    private static readonly string[] CompareCharts = ["vanishing", "horizon", "gradNorm", "clipRate", "loss", "accuracy"];

    /// <summary>The legend's runs and colours, and per chart its points and the run names in its uPlot legend.</summary>
    private const string Probe = """
        (() => ({
          hash: location.hash,
          banner: document.querySelector('[data-testid=error-banner]').hidden ? null : document.querySelector('[data-testid=error-banner]').textContent,
          title: document.querySelector('[data-testid=run-title]').textContent,
          legend: [...document.querySelectorAll('[data-testid=compare-legend] > span')].map(s => ({ id: Number(s.dataset.runId), colour: s.dataset.colour, text: s.textContent })),
          charts: Object.fromEntries([...document.querySelectorAll('figure.chart')].map(f => [f.dataset.testid.replace('chart-', ''),
            { points: Number(f.dataset.pointCount), series: [...f.querySelectorAll('.u-legend .u-series .u-label')].map(l => l.textContent) }])),
        }))()
        """;

    [Fact]
    public async Task Demo_opens_compared_and_ticked_runs_compare_with_the_selection_in_the_url()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), demo: true);
        await using var browser = await HeadlessChromium.StartAsync(1400, 1500);
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/");

        // The demo: both runs in the legend in two colours, every chart drawn for the LSTM that trains first.
        await browser.WaitForAsync("document.querySelectorAll('[data-testid=compare-legend] > span').length === 2 && " +
            "['gradNorm', 'loss'].every(c => Number(document.querySelector(`[data-testid=chart-${c}]`)?.dataset.pointCount) > 0)",
            TimeSpan.FromSeconds(30), Probe);
        var demo = (await browser.EvaluateAsync(Probe))!;
        output.WriteLine(demo.ToJsonString());
        var legend = demo["legend"]!.AsArray();
        Assert.Contains("demo-lstm", (string)legend[0]!["text"]!, StringComparison.Ordinal);
        Assert.Contains("demo-rnn-tanh", (string)legend[1]!["text"]!, StringComparison.Ordinal);
        Assert.NotEqual((string?)legend[0]!["colour"], (string?)legend[1]!["colour"]);
        foreach (var chart in CompareCharts)
        {
            var series = demo["charts"]![chart]!["series"]!.AsArray().Select(s => (string)s!).ToArray();
            Assert.Contains(series, s => s.Contains("demo-lstm", StringComparison.Ordinal));
            Assert.Contains(series, s => s.Contains("demo-rnn-tanh", StringComparison.Ordinal));
        }

        // Two runs of our own, compared by ticking them; the URL then names them, and opening it shows them again.
        var a = (long)(await service.Client.CreateRunAsync(Small("first")))["id"]!;
        var b = (long)(await service.Client.CreateRunAsync(Small("second")))["id"]!;
        await browser.WaitForAsync($"document.querySelector('[data-testid=compare-pick][data-run-id=\"{b}\"]') !== null", TimeSpan.FromSeconds(10), Probe);
        // Run a shown alone (as a link to it does) is ticked. (Unticking the demo's runs by clicking raced the page's
        // re-render: unticking the last run shows it alone and ticked, so whether a was then alone depended on timing.)
        await browser.EvaluateAsync($"location.hash = '#run={a}'");
        await browser.WaitForAsync("[...document.querySelectorAll('[data-testid=compare-pick]:checked')].map(b => b.dataset.runId).join() === " +
            $"'{a}'", TimeSpan.FromSeconds(10), Probe);
        await browser.EvaluateAsync($"document.querySelector('[data-testid=compare-pick][data-run-id=\"{b}\"]').click()");
        await browser.WaitForAsync($"location.hash === '#compare={a},{b}' && document.querySelectorAll('[data-testid=compare-legend] > span').length === 2",
            TimeSpan.FromSeconds(5), Probe);

        // A fresh load of the shared link (a hash-only change would not reload the page).
        await browser.NavigateAsync("about:blank");
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/#compare={b},{a}");
        await browser.WaitForAsync("document.querySelectorAll('[data-testid=compare-legend] > span').length === 2", TimeSpan.FromSeconds(10), Probe);
        var shared = (await browser.EvaluateAsync(Probe))!;
        Assert.Equal([b, a], shared["legend"]!.AsArray().Select(l => (long)l!["id"]!));
        Assert.Equal($"Comparing runs {b}, {a}", (string?)shared["title"]);
        await browser.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "artifacts", "live-page-compare.png"));
    }

    [Fact]
    public async Task Demo_runs_draw_side_by_side_and_the_epoch_axes_span_the_epochs_trained()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), demo: true);
        await using var browser = await HeadlessChromium.StartAsync(1400, 1500);
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/");

        // Both runs' lines grow in every step chart at once (the tanh RNN does not wait behind the LSTM), and the
        // epoch charts have both runs' first epochs.
        const string SeriesProbe = """
            Object.fromEntries([...document.querySelectorAll('figure.chart')].map(f => [f.dataset.testid.replace('chart-', ''),
              { series: JSON.parse(f.dataset.seriesPoints ?? '[]'), ticks: JSON.parse(f.dataset.ticks ?? '[]') }]))
            """;
        await browser.WaitForAsync(
            "['vanishing', 'gradNorm'].every(c => { const s = JSON.parse(document.querySelector(`[data-testid=chart-${c}]`)?.dataset.seriesPoints ?? '[]'); " +
            "return s.length === 2 && s.every(n => n > 0); }) && " +
            "JSON.parse(document.querySelector('[data-testid=chart-loss]')?.dataset.seriesPoints ?? '[]').filter(n => n > 0).length === 4",
            TimeSpan.FromSeconds(60), SeriesProbe);
        var charts = (await browser.EvaluateAsync(SeriesProbe))!;
        output.WriteLine(charts.ToJsonString());

        // The loss chart's epoch axis ends near the last epoch ended, not at the 250 and 600 epochs planned.
        var trained = 0L;
        foreach (var id in new long[] { 1, 2 })
            trained = Math.Max(trained, (long)(await service.Client.GetRunAsync(id))["progress"]!["epoch"]!);
        foreach (var chart in new[] { "loss", "accuracy" })
        {
            var epochTicks = charts[chart]!["ticks"]![0]!.AsArray().Select(t => double.Parse((string)t!, CultureInfo.InvariantCulture)).ToArray();
            Assert.NotEmpty(epochTicks);
            Assert.True(epochTicks.Max() <= trained + 1, $"{chart}: epoch ticks {string.Join(", ", epochTicks)} pass epoch {trained}");
        }
    }

    private static Dictionary<string, object?> Small(string name) => new()
    {
        ["name"] = name,
        ["data"] = "temporal-order:20",
        ["count"] = 320,
        ["cell"] = "gru",
        ["hidden"] = 8,
        ["epochs"] = 2,
        ["batch"] = 16,
    };
}
