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
          const ink = (canvas) => {
            if (!canvas || canvas.width === 0) return 0;
            const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
            let n = 0;
            for (let i = 0; i < data.length; i += 4)
              if (data[i + 3] > 128 && Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 60) n++;
            return n;
          };
          return Object.fromEntries([...document.querySelectorAll('figure.chart')].map(f => [f.dataset.testid.replace('chart-', ''), {
            points: Number(f.dataset.pointCount), series: JSON.parse(f.dataset.seriesPoints ?? '[]'), path: f.dataset.path ?? null,
            ink: ink(f.querySelector('.plot canvas')), labels: [...f.querySelectorAll('.u-legend .u-series .u-label')].map(l => l.textContent) }]));
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
}
