using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Recurrent.Diagnostics.Exposition;

/// <summary>
/// Renders each collected batch into the text of the scrape in progress. It declares no pull-only export
/// mode: the SDK lets a pull-only exporter collect only from its own internal scope, while a push-capable
/// exporter on a reader without a timer exports exactly when <see cref="MetricReader.Collect"/> is called.
/// </summary>
internal sealed class TextExporter : BaseExporter<Metric>
{
    private StringBuilder? _output;
    private TextSerializer? _serializer;

    /// <summary>Directs the next export into <paramref name="output"/>; called under the collector's lock.</summary>
    public void BeginScrape(StringBuilder output, TextSerializer serializer)
    {
        _output = output;
        _serializer = serializer;
    }

    /// <summary>Stops writing, so exports the SDK triggers on its own (at shutdown) go nowhere.</summary>
    public void EndScrape()
    {
        _output = null;
        _serializer = null;
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        if (_output is null || _serializer is null)
            return ExportResult.Success;
        foreach (var metric in batch)
            _serializer.Write(metric, _output);
        return ExportResult.Success;
    }
}
