using System.Diagnostics.Metrics;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Recurrent.Diagnostics.Exposition;

/// <summary>
/// A pull exporter for the OpenTelemetry SDK: owns a MeterProvider with a manually triggered reader and renders
/// its cumulative metrics as Prometheus text or OpenMetrics on every <see cref="Collect"/>. Thread-safe;
/// scrapes are serialised.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    private const int CollectTimeoutMilliseconds = 10_000;

    private readonly Lock _gate = new();
    private readonly TextExporter _exporter = new();
    private readonly BaseExportingMetricReader _reader;
    private readonly MeterProvider _provider;
    private readonly Func<string, bool>? _isRunVisible;
    private readonly StringBuilder _output = new(16 * 1024);

    /// <summary>
    /// Collects exactly the instruments of <paramref name="meter"/> (not other meters that share its name).
    /// </summary>
    /// <param name="meter">The meter to export.</param>
    /// <param name="isRunVisible">
    /// When given, series whose <c>run</c> label it rejects are left out: synchronous instruments keep their
    /// series in the SDK for the life of the process, so retention is applied here.
    /// </param>
    public MetricsCollector(Meter meter, Func<string, bool>? isRunVisible = null)
        : this(builder => builder
            .AddMeter(meter.Name)
            .AddView(instrument => ReferenceEquals(instrument.Meter, meter) ? null : MetricStreamConfiguration.Drop),
            isRunVisible)
    {
        ArgumentNullException.ThrowIfNull(meter);
    }

    /// <summary>
    /// Collects the instruments of <paramref name="metrics"/>, hiding the histogram series of runs it no longer
    /// exports.
    /// </summary>
    public static MetricsCollector For(TrainingMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return new MetricsCollector(metrics.Meter, metrics.IsRunExported);
    }

    /// <summary>Collects whatever <paramref name="configure"/> adds to the provider (meters, views).</summary>
    /// <param name="configure">Adds meters and views; the reader is added by the collector.</param>
    /// <param name="isRunVisible">Optional filter on the <c>run</c> label, as in the other constructor.</param>
    public MetricsCollector(Action<MeterProviderBuilder> configure, Func<string, bool>? isRunVisible = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _isRunVisible = isRunVisible;
        _reader = new BaseExportingMetricReader(_exporter)
        {
            TemporalityPreference = MetricReaderTemporalityPreference.Cumulative,
        };
        var builder = Sdk.CreateMeterProviderBuilder();
        configure(builder);
        _provider = builder.AddReader(_reader).Build();
    }

    /// <summary>Collects now and returns the exposition text in <paramref name="format"/>.</summary>
    public string CollectText(ExpositionFormat format)
    {
        lock (_gate)
        {
            Render(format);
            return _output.ToString();
        }
    }

    /// <summary>Collects now and returns the exposition as UTF-8 bytes, ready for an HTTP response body.</summary>
    public byte[] Collect(ExpositionFormat format)
    {
        lock (_gate)
        {
            Render(format);
            return Encoding.UTF8.GetBytes(_output.ToString());
        }
    }

    private void Render(ExpositionFormat format)
    {
        _output.Clear();
        var serializer = new TextSerializer(format, _isRunVisible);
        _exporter.BeginScrape(_output, serializer);
        try
        {
            _reader.Collect(CollectTimeoutMilliseconds);
        }
        finally
        {
            _exporter.EndScrape();
        }
        serializer.WriteEnd(_output);
    }

    /// <summary>Shuts the provider down; later collections return an empty exposition.</summary>
    public void Dispose() => _provider.Dispose();
}
