namespace Recurrent.Diagnostics.Exposition;

/// <summary>The text formats a scrape can ask for.</summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4, the default when the client states no preference.</summary>
    PrometheusText,

    /// <summary>OpenMetrics 1.0 text, chosen when the Accept header asks for application/openmetrics-text.</summary>
    OpenMetrics,
}

/// <summary>The Content-Type header value of each <see cref="ExpositionFormat"/>.</summary>
public static class ExpositionContentTypes
{
    /// <summary>Content type of Prometheus text 0.0.4.</summary>
    public const string PrometheusText = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Content type of OpenMetrics 1.0.</summary>
    public const string OpenMetrics = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>The content type to send with a body in <paramref name="format"/>.</summary>
    public static string Of(ExpositionFormat format) =>
        format == ExpositionFormat.OpenMetrics ? OpenMetrics : PrometheusText;
}
