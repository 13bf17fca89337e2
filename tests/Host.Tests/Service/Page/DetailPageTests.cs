using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Page;

/// <summary>The selected run's gradient detail on the live page, in headless Chromium against a real service.</summary>
public sealed class DetailPageTests(ITestOutputHelper output)
{
    /// <summary>Per chart: each series' points, and the coloured pixels of its canvas (axes and text are grey).</summary>
    internal const string Probe = """
        (() => {
          // A heat map's pale cells are not saturated: for it, count painted pixels other than its no-data grey.
          const ink = (canvas, heat) => {
            if (!canvas || canvas.width === 0) return 0;
            const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
            let n = 0;
            for (let i = 0; i < data.length; i += 4) {
              const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
              if (a > 128 && (heat ? !(r === 229 && g === 231 && b === 235) : Math.max(r, g, b) - Math.min(r, g, b) > 60)) n++;
            }
            return n;
          };
          return Object.fromEntries([...document.querySelectorAll('figure.chart')].map(f => [f.dataset.testid.replace('chart-', ''), {
            points: Number(f.dataset.pointCount), series: JSON.parse(f.dataset.seriesPoints ?? '[]'), path: f.dataset.path ?? null,
            ink: ink(f.querySelector('.plot canvas'), f.classList.contains('heat')), labels: [...f.querySelectorAll('.u-legend .u-series .u-label')].map(l => l.textContent) }]));
        })()
        """;

    [Fact]
    public async Task A_skip_update_run_shows_its_share_of_steps_updated_and_a_plain_run_does_not()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var skip = TrainingSpecs.Interruptible("skipping");
        skip["skip_updates"] = true;
        skip["skip_update_budget"] = 0.01;
        var skipping = (long)(await service.Client.CreateRunAsync(skip))["id"]!;
        var plainSpec = TrainingSpecs.Interruptible("plain");
        plainSpec["epochs"] = 1;
        var plain = (long)(await service.Client.CreateRunAsync(plainSpec))["id"]!;
        await service.Client.WaitStateAsync(plain, "succeeded", 180);

        await using var browser = await HeadlessChromium.StartAsync(1400, 2200);
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/#run={skipping}");
        await browser.WaitForAsync("Number(document.querySelector('[data-testid=chart-updateShare]')?.dataset.pointCount) > 50",
            TimeSpan.FromSeconds(30), Probe);
        var charts = (await browser.EvaluateAsync(Probe))!;
        output.WriteLine(charts.ToJsonString());
        Assert.True((int)charts["updateShare"]!["ink"]! > 300, charts["updateShare"]!.ToJsonString());

        // The plain run's page has no such chart (its steps carry no share).
        await browser.NavigateAsync("about:blank");
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/#run={plain}");
        await browser.WaitForAsync("Number(document.querySelector('[data-testid=chart-gradNorm]')?.dataset.pointCount) > 0",
            TimeSpan.FromSeconds(30), Probe);
        Assert.Null((await browser.EvaluateAsync(Probe))!["updateShare"]);
    }

    [Fact]
    public async Task A_bidirectional_runs_paths_heat_map_saturation_and_update_ratios_follow_the_chosen_path()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var spec = TrainingSpecs.Interruptible("both-ways");
        spec["cell"] = "lstm";
        spec["bidirectional"] = true;
        var id = (long)(await service.Client.CreateRunAsync(spec))["id"]!;
        await using var browser = await HeadlessChromium.StartAsync(1400, 2600);
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/#run={id}");

        // Both directions' ratios, and the first path's heat map, saturation and blocks.
        await browser.WaitForAsync(
            "(() => { const s = (c) => JSON.parse(document.querySelector(`[data-testid=chart-${c}]`)?.dataset.seriesPoints ?? '[]'); " +
            "return s('paths').length === 2 && s('paths').every(n => n > 20) && s('saturation').some(n => n > 20) && s('updateRatio').some(n => n > 20) " +
            "&& Number(document.querySelector('[data-testid=chart-pathHeat]')?.dataset.pointCount) > 20; })()",
            TimeSpan.FromSeconds(60), Probe);
        var first = (await browser.EvaluateAsync(Probe))!;
        output.WriteLine(first.ToJsonString());
        Assert.Equal("0 forward", (string?)first["pathHeat"]!["path"]);
        Assert.Equal(["0 forward f", "0 forward i", "0 forward o", "0 forward tanh"], Labels(first, "saturation").Order());
        // The chosen path's twelve blocks (W_xh, W_hh, b by gate i, o, f, c) and the head's two, then the two lines.
        Assert.Equal(14 + 2, Labels(first, "updateRatio").Length);
        Assert.Contains("head forward W_hy y", Labels(first, "updateRatio"));
        Assert.True(Ink(first, "paths") > 300 && Ink(first, "saturation") > 300 && Ink(first, "updateRatio") > 300, first.ToJsonString());
        Assert.True(Ink(first, "pathHeat") > 5000, first.ToJsonString());
        await browser.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "artifacts", "live-page-detail.png"));

        // The other direction: its own heat map, saturation and blocks.
        await browser.EvaluateAsync("(() => { const s = document.querySelector('[data-testid=path-select]'); s.value = '0 reverse'; s.dispatchEvent(new Event('change')); })()");
        await browser.WaitForAsync("document.querySelector('[data-testid=chart-pathHeat]').dataset.path === '0 reverse' && " +
            "JSON.parse(document.querySelector('[data-testid=chart-saturation]')?.dataset.seriesPoints ?? '[]').some(n => n > 0)",
            TimeSpan.FromSeconds(10), Probe);
        var reverse = (await browser.EvaluateAsync(Probe))!;
        Assert.Equal(["0 reverse f", "0 reverse i", "0 reverse o", "0 reverse tanh"], Labels(reverse, "saturation").Order());
        Assert.Contains("0 reverse W_hh f", Labels(reverse, "updateRatio"));
        Assert.DoesNotContain("0 forward W_hh f", Labels(reverse, "updateRatio"));
        Assert.True(Ink(reverse, "pathHeat") > 5000, reverse.ToJsonString());
    }

    [Fact]
    public async Task An_encoder_decoder_run_draws_its_norms_vanishing_ratio_heat_map_and_epochs_like_any_run()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var id = (long)(await service.Client.CreateRunAsync(new
        {
            name = "reverse",
            data = "reverse:6",
            count = 400,
            cell = "lstm",
            hidden_size = 24,
            embedding_size = 8,
            epochs = 3,
            batch_size = 16,
            clip_norm = 0.5,
        }))["id"]!;
        await service.Client.WaitStateAsync(id, "succeeded", 300);
        await using var browser = await HeadlessChromium.StartAsync(1400, 2200);
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/#run={id}");
        // 25 steps an epoch; the encoder's profile is the heat map's, one row a step.
        await browser.WaitForAsync("Number(document.querySelector('[data-testid=chart-heat]')?.dataset.pointCount) >= 75 && " +
            "Number(document.querySelector('[data-testid=chart-loss]')?.dataset.pointCount) >= 3", TimeSpan.FromSeconds(60), Probe);
        var charts = (await browser.EvaluateAsync(Probe))!;
        output.WriteLine(charts.ToJsonString());
        foreach (var chart in new[] { "gradNorm", "clipRate", "vanishing", "batchLoss", "loss", "accuracy" })
            Assert.True(Ink(charts, chart) > 100, $"{chart}: {charts[chart]!.ToJsonString()}");
        Assert.True(Ink(charts, "heat") > 5000, charts["heat"]!.ToJsonString());
    }

    private static string[] Labels(JsonNode charts, string chart) =>
        [.. charts[chart]!["labels"]!.AsArray().Select(l => (string)l!).Where(l => l != "step")];

    private static int Ink(JsonNode charts, string chart) => (int)charts[chart]!["ink"]!;
}
