using System.Diagnostics.Metrics;
using Recurrent.Diagnostics.Exposition;

namespace Recurrent.Diagnostics.Tests.Exposition;

/// <summary>Format rules on instruments of a private meter, so values the contract never produces can be tried.</summary>
public class TextFormatTests : IDisposable
{
    private readonly Meter _meter = new("Recurrent.Tests." + Guid.NewGuid().ToString("N"));
    private readonly MetricsCollector _collector;

    public TextFormatTests() => _collector = new MetricsCollector(_meter);

    public void Dispose()
    {
        _collector.Dispose();
        _meter.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline_in_both_formats()
    {
        _meter.CreateObservableGauge("test_escaping", () => new Measurement<double>(1, new KeyValuePair<string, object?>("path", "a\\b\"c\nd")),
            description: "Help with a backslash \\ and a\nnewline.");

        string text = _collector.CollectText(ExpositionFormat.PrometheusText);
        string openMetrics = _collector.CollectText(ExpositionFormat.OpenMetrics);

        Assert.Contains("test_escaping{path=\"a\\\\b\\\"c\\nd\"} 1\n", text);
        Assert.Contains("# HELP test_escaping Help with a backslash \\\\ and a\\nnewline.\n", text);
        Assert.Contains("test_escaping{path=\"a\\\\b\\\"c\\nd\"} 1\n", openMetrics);
        PromTool.AssertClean(text);
    }

    [Fact]
    public void Special_values_are_spelled_NaN_plus_Inf_and_minus_Inf()
    {
        _meter.CreateObservableGauge("test_special", () => new[]
        {
            new Measurement<double>(double.NaN, new KeyValuePair<string, object?>("kind", "nan")),
            new Measurement<double>(double.PositiveInfinity, new KeyValuePair<string, object?>("kind", "pos")),
            new Measurement<double>(double.NegativeInfinity, new KeyValuePair<string, object?>("kind", "neg")),
            new Measurement<double>(1e-7, new KeyValuePair<string, object?>("kind", "small")),
        }, description: "Special values.");

        string text = _collector.CollectText(ExpositionFormat.PrometheusText);

        Assert.Contains("test_special{kind=\"nan\"} NaN\n", text);
        Assert.Contains("test_special{kind=\"pos\"} +Inf\n", text);
        Assert.Contains("test_special{kind=\"neg\"} -Inf\n", text);
        Assert.Contains("test_special{kind=\"small\"} 1E-07\n", text);
        PromTool.AssertClean(text);
    }

    [Fact]
    public void Invalid_name_characters_become_underscores_and_counters_gain_total_once()
    {
        var counter = _meter.CreateCounter<long>("test.requests", description: "Requests.");
        var already = _meter.CreateCounter<long>("test_done_total", description: "Done.");
        counter.Add(3, new KeyValuePair<string, object?>("http.method", "GET"));
        already.Add(1);

        string text = _collector.CollectText(ExpositionFormat.PrometheusText);
        string openMetrics = _collector.CollectText(ExpositionFormat.OpenMetrics);

        Assert.Contains("# TYPE test_requests_total counter\ntest_requests_total{http_method=\"GET\"} 3\n", text);
        Assert.Contains("# TYPE test_done_total counter\ntest_done_total 1\n", text);
        Assert.Contains("# TYPE test_done counter\ntest_done_total 1\n", openMetrics);
        PromTool.AssertClean(text);
    }

    [Fact]
    public void Each_family_has_one_HELP_and_one_TYPE_before_its_samples()
    {
        var histogram = _meter.CreateHistogram("test_latency_seconds", "s", "Latency.", null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        histogram.Record(0.05, new KeyValuePair<string, object?>("route", "a"));
        histogram.Record(0.5, new KeyValuePair<string, object?>("route", "b"));
        histogram.Record(5, new KeyValuePair<string, object?>("route", "b"));

        string text = _collector.CollectText(ExpositionFormat.PrometheusText);

        var lines = Expositions.Lines(text);
        Assert.Single(lines, l => l.StartsWith("# TYPE test_latency_seconds ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("# HELP test_latency_seconds ", StringComparison.Ordinal));
        Assert.Equal("# HELP test_latency_seconds Latency.", lines[0]);
        Assert.Equal("# TYPE test_latency_seconds histogram", lines[1]);
        Assert.Contains("test_latency_seconds_bucket{route=\"b\",le=\"0.1\"} 0\n", text);
        Assert.Contains("test_latency_seconds_bucket{route=\"b\",le=\"1\"} 1\n", text);
        Assert.Contains("test_latency_seconds_bucket{route=\"b\",le=\"+Inf\"} 2\n", text);
        Assert.Contains("test_latency_seconds_sum{route=\"b\"} 5.5\n", text);
        Assert.Contains("test_latency_seconds_count{route=\"b\"} 2\n", text);
        PromTool.AssertClean(text);
    }

    [Fact]
    public void An_empty_exposition_is_empty_text_or_just_EOF()
    {
        Assert.Equal("", _collector.CollectText(ExpositionFormat.PrometheusText));
        Assert.Equal("# EOF\n", _collector.CollectText(ExpositionFormat.OpenMetrics));
    }

    [Fact]
    public void Collect_returns_the_text_as_UTF8()
    {
        _meter.CreateObservableGauge("test_utf8", () => new Measurement<double>(2, new KeyValuePair<string, object?>("name", "Grüße")));

        byte[] body = _collector.Collect(ExpositionFormat.PrometheusText);

        Assert.Equal(_collector.CollectText(ExpositionFormat.PrometheusText), System.Text.Encoding.UTF8.GetString(body));
        Assert.Contains("Grüße", System.Text.Encoding.UTF8.GetString(body));
    }
}
