using System.Globalization;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Page;

/// <summary>
/// The tick labels the page's charts draw, read from the DOM mirror the charts keep (data-ticks), for values that
/// uPlot's default formatter rounded to "0": gradient norms over eight decades (and over two, where 3× ticks fit
/// between the powers) and a loss between 0.001 and 0.01. The charts are the page's own (its chart options and
/// uPlot), fed in the page with those values.
/// </summary>
public sealed class AxisLabelTests(ITestOutputHelper output)
{
    private const string DrawBothCharts = """
        (async () => {
          const { LineChart, figure, lineOptions } = await import('/page/charts.js');
          const host = document.createElement('div');
          host.style.width = '700px';
          document.body.prepend(host);
          const options = lineOptions(10);
          const n = 400;
          const steps = Array.from({ length: n }, (_, i) => i + 1);
          const norms = steps.map((s, i) => 10 ** (-6 + 8 * i / (n - 1)));      // 1e-6 .. 1e2
          const losses = steps.map((s, i) => 0.001 + 0.009 * i / (n - 1));      // 0.001 .. 0.01
          const normFig = figure(host, 'test-norm', 'norm', '');
          new LineChart(normFig, options.gradNorm).update([steps, norms, steps.map(() => 1)]);
          const lossFig = figure(host, 'test-loss', 'loss', '');
          new LineChart(lossFig, options.batchLoss).update([steps, losses]);
          const narrowFig = figure(host, 'test-narrow', 'narrow', '');                // 0.3 .. 30: two decades
          new LineChart(narrowFig, options.gradNorm).update([steps, steps.map((s, i) => 0.3 * 100 ** (i / (n - 1))), steps.map(() => 1)]);
          await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
          const read = (fig) => ({ ticks: JSON.parse(fig.dataset.ticks ?? '[]'), titles: JSON.parse(fig.dataset.axisTitles ?? '[]') });
          return { norm: read(normFig), loss: read(lossFig), narrow: read(narrowFig) };
        })()
        """;

    [Fact]
    public async Task Log_axis_is_labelled_by_powers_and_a_small_loss_keeps_its_digits()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        await using var browser = await HeadlessChromium.StartAsync(1000, 900);
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/");
        var drawn = (await browser.EvaluateAsync(DrawBothCharts))!;
        output.WriteLine(drawn.ToJsonString());

        // Gradient norm: every label a power of ten, distinct, evenly spaced in exponent, covering 1e-6 .. 1e2.
        var normLabels = Labels(drawn["norm"]!, axis: 1);
        var exponents = normLabels.Select(PowerOfTen).ToArray();
        Assert.Equal(exponents.Length, exponents.Distinct().Count());
        Assert.True(exponents.Length >= 4, $"too few labels: {string.Join(", ", normLabels)}");
        Assert.True(exponents.Min() <= -5 && exponents.Max() >= 1, $"labels do not span the data: {string.Join(", ", normLabels)}");
        var gaps = exponents.Order().Zip(exponents.Order().Skip(1), (a, b) => b - a).Distinct().ToArray();
        Assert.Single(gaps);

        // Two decades leave room between the powers: 2× and 5× (or 3×) ticks, each label the value it stands at.
        var narrowLabels = Labels(drawn["narrow"]!, axis: 1);
        var narrowValues = narrowLabels.Select(LogValue).ToArray();
        Assert.True(narrowValues.Length > 3, $"too few labels: {string.Join(", ", narrowLabels)}");
        Assert.Equal(narrowValues.Order(), narrowValues);
        Assert.Equal(narrowValues.Length, narrowValues.Distinct().Count());
        Assert.Contains(narrowLabels, l => l.Contains('×', StringComparison.Ordinal));
        Assert.True(narrowValues.Min() <= 0.3 * 1.001 && narrowValues.Max() >= 30 / 1.001, $"labels do not span the data: {string.Join(", ", narrowLabels)}");

        // Loss between 0.001 and 0.01: decimal labels, distinct, equally spaced, inside the data's range.
        var lossLabels = Labels(drawn["loss"]!, axis: 1);
        var values = lossLabels.Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(values.Length >= 3, $"too few labels: {string.Join(", ", lossLabels)}");
        Assert.Equal(values.Length, values.Distinct().Count());
        Assert.All(values, v => Assert.InRange(v, 0.0009, 0.0101));
        var steps = values.Order().Zip(values.Order().Skip(1), (a, b) => Math.Round(b - a, 9)).Distinct().ToArray();
        Assert.Single(steps);
        // Written with as many decimals as the spacing needs, and no more: 0.0025 apart is 0.0025, 0.0050, not 0.003 or 0.
        var decimals = lossLabels.Select(l => l.Length - l.IndexOf('.', StringComparison.Ordinal) - 1).Distinct().Single();
        var needed = Enumerable.Range(0, 10).First(d => Math.Abs(steps[0] * Math.Pow(10, d) - Math.Round(steps[0] * Math.Pow(10, d))) < 1e-6);
        Assert.Equal(needed, decimals);

        // Each axis title names its unit in brackets.
        foreach (var chart in new[] { "norm", "loss" })
        {
            var titles = drawn[chart]!["titles"]!.AsArray().Select(t => (string)t!).ToArray();
            Assert.Equal(2, titles.Length);
            Assert.All(titles, t => Assert.Matches(@"\(.+\)", t));
        }
    }

    private static string[] Labels(JsonNode chart, int axis) =>
        chart["ticks"]![axis]!.AsArray().Select(t => (string)t!).ToArray();

    /// <summary>"10⁻⁴" → 1e-4, "2×10⁻¹" → 0.2; fails on anything else.</summary>
    private static double LogValue(string label)
    {
        var parts = label.Split('×');
        var mantissa = parts.Length == 2 ? int.Parse(parts[0], CultureInfo.InvariantCulture) : 1;
        Assert.Contains(mantissa, new[] { 1, 2, 3, 5 });
        return mantissa * Math.Pow(10, PowerOfTen(parts[^1]));
    }

    /// <summary>"10⁻⁴" → −4; fails on anything else.</summary>
    private static int PowerOfTen(string label)
    {
        Assert.StartsWith("10", label);
        var digits = label[2..].Select(c => "⁰¹²³⁴⁵⁶⁷⁸⁹".IndexOf(c) is var d and >= 0 ? (char)('0' + d) : c == '⁻' ? '-' : '?');
        var text = new string(digits.ToArray());
        Assert.Matches("^-?[0-9]+$", text);
        return int.Parse(text, CultureInfo.InvariantCulture);
    }
}
