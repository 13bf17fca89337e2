using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Page;

/// <summary>The live page at / in headless Chromium against a real `recurrent serve` that trains.</summary>
public sealed class LivePageTests(ITestOutputHelper output)
{
    private static readonly string[] StepCharts = ["gradNorm", "clipRate", "vanishing", "batchLoss", "heat"];
    private static readonly string[] EpochCharts = ["loss", "accuracy"];

    /// <summary>Per chart: points drawn, stale flag, and how much of its canvas is painted.</summary>
    private const string ChartsProbe = """
        (() => {
          // Series are drawn in saturated colours, axes and text in greys: count the saturated pixels. The heat
          // map's pale cells are not saturated, so for it count painted pixels other than its no-data grey.
          const ink = (canvas, heat) => {
            if (!canvas || canvas.width === 0) return 0;
            const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
            let n = 0;
            for (let i = 0; i < data.length; i += 4) {
              const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
              if (a <= 128) continue;
              if (heat ? !(r === 229 && g === 231 && b === 235) : Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
            }
            return n;
          };
          const charts = {};
          for (const fig of document.querySelectorAll('figure.chart')) {
            const id = fig.dataset.testid.replace('chart-', '');
            charts[id] = {
              points: Number(fig.dataset.pointCount),
              stale: fig.dataset.stale === 'true',
              ink: ink(fig.querySelector('.plot canvas'), id === 'heat'),
              ticks: JSON.parse(fig.dataset.ticks ?? '[]'),
            };
          }
          const banner = document.querySelector('[data-testid=error-banner]');
          return { charts, banner: banner.hidden ? null : banner.textContent, status: document.querySelector('[data-testid=status]').textContent };
        })()
        """;

    [Fact]
    public async Task Page_draws_a_training_run_and_keeps_up_with_it()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var id = (long)(await service.Client.CreateRunAsync(Watched("watched", count: 8000, epochs: 40)))["id"]!;
        await using var browser = await HeadlessChromium.StartAsync(1400, 1700);
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/");

        await browser.WaitForAsync($"document.querySelector('[data-testid=run-row][data-run-id=\"{id}\"][data-state=running]') !== null",
            TimeSpan.FromSeconds(20), "document.querySelector('[data-testid=run-list]').innerText");
        // The title is filled in by the run's detail request, which can land after the list shows the row.
        await browser.WaitForAsync("document.querySelector('[data-testid=run-title]').textContent.includes('watched')",
            TimeSpan.FromSeconds(10), "document.querySelector('[data-testid=run-title]').textContent");

        // Every chart gets data: the step charts at the first poll, the epoch charts when the first epoch ends.
        var everyChart = string.Join(" && ", StepCharts.Concat(EpochCharts)
            .Select(c => $"Number(document.querySelector('[data-testid=chart-{c}]')?.dataset.pointCount) > 0"));
        await browser.WaitForAsync(everyChart, TimeSpan.FromSeconds(30), ChartsProbe);
        var first = (await browser.EvaluateAsync(ChartsProbe))!;
        output.WriteLine($"first view: {first.ToJsonString()}");

        // It keeps up: later polls add steps to the step charts and the heat map, without a reload.
        await browser.EvaluateAsync("window.notReloaded = true");
        var growth = string.Join(" && ", StepCharts.Select(c =>
            $"Number(document.querySelector('[data-testid=chart-{c}]').dataset.pointCount) > {Points(first, c)}"));
        await browser.WaitForAsync(growth, TimeSpan.FromSeconds(15), ChartsProbe);
        Assert.True((bool)(await browser.EvaluateAsync("window.notReloaded === true"))!);
        var later = (await browser.EvaluateAsync(ChartsProbe))!;
        output.WriteLine($"later view: {later.ToJsonString()}");
        // Taken before the checks, so a failing run leaves the picture of what it judged.
        var screenshot = Artifact("live-page.png");
        await browser.ScreenshotAsync(screenshot);
        output.WriteLine($"screenshot: {screenshot}");

        Assert.Null(later["banner"]);
        // The embedded store has no sweeps: their panel stays hidden, without a banner.
        Assert.True((bool)(await browser.EvaluateAsync("document.querySelector('[data-testid=sweeps-panel]').hidden"))!);
        foreach (var chart in StepCharts.Concat(EpochCharts))
        {
            var view = later["charts"]![chart]!;
            Assert.False((bool)view["stale"]!, chart);
            Assert.True((int)view["ink"]! > LeastInk(chart), $"{chart} looks blank: {view.ToJsonString()}");
            // No axis repeats a label (the old formatter drew "0, 0, 0" for small values).
            if (chart != "heat")
            {
                foreach (var axis in view["ticks"]!.AsArray())
                {
                    var labels = axis!.AsArray().Select(l => (string)l!).ToArray();
                    Assert.True(labels.Length == labels.Distinct().Count(), $"{chart} repeats a tick label: {string.Join(", ", labels)}");
                }
            }
        }
        var run = await service.Client.GetRunAsync(id);
        Assert.Equal("running", (string?)run["state"]);
    }

    [Fact]
    public async Task Page_says_the_service_is_unreachable_and_keeps_the_last_data_marked_stale()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir);
        var id = (long)(await service.Client.CreateRunAsync(Watched("short", count: 600, epochs: 2)))["id"]!;
        await service.Client.WaitStateAsync(id, "succeeded");
        await using var browser = await HeadlessChromium.StartAsync(1400, 1700);
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/");
        await browser.WaitForAsync("Number(document.querySelector('[data-testid=chart-gradNorm]')?.dataset.pointCount) > 0",
            TimeSpan.FromSeconds(20), ChartsProbe);
        Assert.Equal("true", (string?)await browser.EvaluateAsync("String(document.querySelector('[data-testid=error-banner]').hidden)"));
        var before = (await browser.EvaluateAsync(ChartsProbe))!;

        service.Kill();
        await browser.WaitForAsync("!document.querySelector('[data-testid=error-banner]').hidden", TimeSpan.FromSeconds(10), ChartsProbe);
        var after = (await browser.EvaluateAsync(ChartsProbe))!;
        output.WriteLine($"unreachable: {after.ToJsonString()}");
        Assert.Contains("Cannot reach the Recurrent service", (string?)after["banner"]);
        Assert.Equal("service unreachable", (string?)after["status"]);
        foreach (var chart in StepCharts.Concat(EpochCharts))
        {
            var view = after["charts"]![chart]!;
            Assert.True((bool)view["stale"]!, $"{chart} is not marked stale");
            // The last data stays drawn rather than a blank chart.
            Assert.Equal(Points(before, chart), (int)view["points"]!);
            Assert.True((int)view["ink"]! > LeastInk(chart), $"{chart} went blank: {view.ToJsonString()}");
        }
        var screenshot = Artifact("live-page-unreachable.png");
        await browser.ScreenshotAsync(screenshot);
        output.WriteLine($"screenshot: {screenshot}");

        // The service comes back on the same address: the page recovers by itself.
        using var restarted = ServiceProcess.Start(dataDir, $"http://127.0.0.1:{service.Port}", ServiceProcess.TestToken, "--no-demo");
        try
        {
            await browser.WaitForAsync("document.querySelector('[data-testid=error-banner]').hidden && document.querySelector('[data-testid=chart-gradNorm]').dataset.stale === 'false'",
                TimeSpan.FromSeconds(30), ChartsProbe);
        }
        finally
        {
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync();
        }
    }

    /// <summary>An LSTM on temporal order (T = 50) with a clip threshold it crosses early on.</summary>
    private static Dictionary<string, object?> Watched(string name, int count, int epochs) => new()
    {
        ["name"] = name,
        ["data"] = "temporal-order:50",
        ["count"] = count,
        ["cell"] = "lstm",
        ["hidden"] = 32,
        ["epochs"] = epochs,
        ["batch"] = 32,
        ["clip_norm"] = 1.0,
        ["seed"] = 1,
    };

    /// <summary>
    /// Coloured pixels a chart with data has at the least: a line over hundreds of steps, the dots of one epoch (a
    /// dot is about 40 pixels; an empty frame has none), a heat map's thousands of cells' pixels.
    /// </summary>
    private static int LeastInk(string chart) => chart switch
    {
        "heat" => 5000,
        "loss" or "accuracy" => 60,
        _ => 300,
    };

    private static int Points(JsonNode view, string chart) => (int)view["charts"]![chart]!["points"]!;

    /// <summary>Beside the test assembly, under artifacts/, where a CI run can collect it.</summary>
    private static string Artifact(string name) => Path.Combine(AppContext.BaseDirectory, "artifacts", name);
}
