using System.Net.Http.Headers;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Metrics;

namespace Recurrent.Host.Tests.Service.Metrics;

/// <summary>
/// The Host's real /metrics (OpenTelemetry's Prometheus exporter, the middleware the service and the CLI use) over
/// a <see cref="TrainingMetrics"/>, on a free loopback port, scraped over HTTP.
/// </summary>
internal sealed class MetricsEndpoint : IDisposable
{
    public const string OpenMetricsAccept = "application/openmetrics-text; version=1.0.0";

    private readonly MetricsServer _server;
    private readonly HttpClient _client = new();

    public MetricsEndpoint(TrainingMetrics metrics)
    {
        _server = MetricsServer.Start(0, metrics);
        _client.BaseAddress = _server.Address;
    }

    /// <summary>GET /metrics, in OpenMetrics when <paramref name="accept"/> asks; returns the body and content type.</summary>
    public (string Body, string ContentType) Get(string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (accept is not null)
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        using var response = _client.Send(request);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(response.Content.ReadAsStream());
        return (reader.ReadToEnd(), response.Content.Headers.ContentType!.ToString());
    }

    /// <summary>The Prometheus text body.</summary>
    public string Text() => Get().Body;

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }
}

/// <summary>Reads rendered expositions back.</summary>
internal static class Expositions
{
    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static string[] Samples(string text, string prefix) =>
        [.. Lines(text).Where(l => !l.StartsWith('#') && l.StartsWith(prefix, StringComparison.Ordinal))];

    public static double Value(string sampleLine) =>
        double.Parse(sampleLine[(sampleLine.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Label keys of a sample line, in order.</summary>
    public static string[] LabelKeys(string sampleLine)
    {
        int open = sampleLine.IndexOf('{');
        if (open < 0)
            return [];
        var keys = new List<string>();
        int i = open + 1;
        while (i < sampleLine.Length && sampleLine[i] != '}')
        {
            int equals = sampleLine.IndexOf('=', i);
            keys.Add(sampleLine[i..equals].TrimStart(','));
            int quote = sampleLine.IndexOf('"', equals + 2);
            while (sampleLine[quote - 1] == '\\')
                quote = sampleLine.IndexOf('"', quote + 1);
            i = quote + 1;
        }
        return [.. keys];
    }

    /// <summary>The sample's name (before its labels or value).</summary>
    public static string SampleName(string sampleLine) => sampleLine[..sampleLine.IndexOfAny(['{', ' '])];
}
