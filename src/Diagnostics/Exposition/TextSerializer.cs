using System.Globalization;
using System.Text;
using OpenTelemetry.Metrics;

namespace Recurrent.Diagnostics.Exposition;

/// <summary>
/// Writes OpenTelemetry metrics as Prometheus text 0.0.4 or OpenMetrics 1.0: one family per metric, HELP and
/// TYPE once before its samples, histograms as cumulative buckets, _sum and _count.
/// </summary>
internal sealed class TextSerializer(ExpositionFormat format, Func<string, bool>? isRunVisible)
{
    /// <summary>The label whose values <c>isRunVisible</c> filters: series of hidden runs are not written.</summary>
    public const string RunLabel = "run";

    private bool OpenMetrics => format == ExpositionFormat.OpenMetrics;

    public void Write(Metric metric, StringBuilder output)
    {
        var kind = KindOf(metric.MetricType);
        if (kind is null)
            return; // exponential histograms and summaries are not configured by this library
        string name = PrometheusNaming.MetricName(metric.Name);
        bool counter = kind == "counter";
        string family = counter
            ? (OpenMetrics ? PrometheusNaming.CounterFamily(name) : PrometheusNaming.CounterFamily(name) + PrometheusNaming.TotalSuffix)
            : name;
        string sampleName = counter ? PrometheusNaming.CounterFamily(name) + PrometheusNaming.TotalSuffix : name;

        bool headerWritten = false;
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            if (!IsVisible(point))
                continue;
            if (!headerWritten)
            {
                WriteHeader(output, family, kind, metric.Description, metric.Unit);
                headerWritten = true;
            }
            if (kind == "histogram")
                WriteHistogram(output, name, point);
            else
                WriteSample(output, sampleName, point, extraLabel: null, extraValue: null, Value(metric.MetricType, point));
        }
    }

    /// <summary>Writes the end of the exposition (OpenMetrics needs its EOF marker).</summary>
    public void WriteEnd(StringBuilder output)
    {
        if (OpenMetrics)
            output.Append("# EOF\n");
    }

    private static string? KindOf(MetricType type) => type switch
    {
        MetricType.LongSum or MetricType.DoubleSum => "counter",
        MetricType.LongGauge or MetricType.DoubleGauge => "gauge",
        MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic => "gauge",
        MetricType.Histogram => "histogram",
        _ => null,
    };

    private bool IsVisible(in MetricPoint point)
    {
        if (isRunVisible is null)
            return true;
        foreach (var tag in point.Tags)
        {
            if (tag.Key == RunLabel && tag.Value is string run)
                return isRunVisible(run);
        }
        return true;
    }

    private void WriteHeader(StringBuilder output, string family, string kind, string? description, string? unit)
    {
        output.Append("# HELP ").Append(family).Append(' ');
        AppendEscaped(output, string.IsNullOrEmpty(description) ? family : description, escapeQuotes: OpenMetrics);
        output.Append('\n');
        output.Append("# TYPE ").Append(family).Append(' ').Append(kind).Append('\n');
        if (OpenMetrics && PrometheusNaming.Unit(unit) is { } promUnit && family.EndsWith("_" + promUnit, StringComparison.Ordinal))
            output.Append("# UNIT ").Append(family).Append(' ').Append(promUnit).Append('\n');
    }

    private void WriteHistogram(StringBuilder output, string name, in MetricPoint point)
    {
        string bucketName = name + "_bucket";
        long count = point.GetHistogramCount();
        long cumulative = 0;
        foreach (var bucket in point.GetHistogramBuckets())
        {
            cumulative += bucket.BucketCount;
            if (double.IsPositiveInfinity(bucket.ExplicitBound))
                break;
            WriteSample(output, bucketName, point, "le", FormatDouble(bucket.ExplicitBound), cumulative.ToString(CultureInfo.InvariantCulture));
        }
        // +Inf is _count by definition, so both come from the same number.
        string total = count.ToString(CultureInfo.InvariantCulture);
        WriteSample(output, bucketName, point, "le", "+Inf", total);
        WriteSample(output, name + "_sum", point, null, null, FormatDouble(point.GetHistogramSum()));
        WriteSample(output, name + "_count", point, null, null, total);
    }

    private static void WriteSample(StringBuilder output, string name, in MetricPoint point, string? extraLabel, string? extraValue, string value)
    {
        output.Append(name);
        bool any = false;
        foreach (var tag in point.Tags)
        {
            output.Append(any ? ',' : '{');
            any = true;
            output.Append(PrometheusNaming.LabelName(tag.Key)).Append("=\"");
            AppendEscaped(output, Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "", escapeQuotes: true);
            output.Append('"');
        }
        if (extraLabel is not null)
        {
            output.Append(any ? ',' : '{');
            any = true;
            output.Append(extraLabel).Append("=\"").Append(extraValue).Append('"');
        }
        if (any)
            output.Append('}');
        output.Append(' ').Append(value).Append('\n');
    }

    private static string Value(MetricType type, in MetricPoint point) => type switch
    {
        MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong().ToString(CultureInfo.InvariantCulture),
        MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => FormatDouble(point.GetSumDouble()),
        MetricType.LongGauge => point.GetGaugeLastValueLong().ToString(CultureInfo.InvariantCulture),
        _ => FormatDouble(point.GetGaugeLastValueDouble()),
    };

    /// <summary>Shortest round-trip form, with the spellings both formats use for the special values.</summary>
    internal static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Escapes backslash and newline, and double quotes in label values and OpenMetrics HELP.</summary>
    private static void AppendEscaped(StringBuilder output, string text, bool escapeQuotes)
    {
        foreach (char c in text)
        {
            switch (c)
            {
                case '\\': output.Append(@"\\"); break;
                case '\n': output.Append(@"\n"); break;
                case '"' when escapeQuotes: output.Append("\\\""); break;
                default: output.Append(c); break;
            }
        }
    }
}
