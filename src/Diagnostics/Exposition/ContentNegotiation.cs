using System.Globalization;

namespace Recurrent.Diagnostics.Exposition;

/// <summary>The format chosen for a scrape and the Content-Type to answer with.</summary>
/// <param name="Format">The body format.</param>
/// <param name="ContentType">The Content-Type header value for that format.</param>
public readonly record struct NegotiatedFormat(ExpositionFormat Format, string ContentType);

/// <summary>Maps an HTTP Accept header to an <see cref="ExpositionFormat"/>.</summary>
public static class ContentNegotiation
{
    /// <summary>
    /// Chooses OpenMetrics when the header accepts application/openmetrics-text (version 1.0.0, 0.0.1 or none)
    /// with a quality at least as high as any range that admits Prometheus text; otherwise Prometheus text 0.0.4.
    /// A missing header, or one naming only formats we do not serve, also gets Prometheus text, as scrapers
    /// expect a body rather than 406.
    /// </summary>
    public static NegotiatedFormat Negotiate(string? accept)
    {
        double openMetricsQuality = 0;
        double textQuality = 0;
        if (!string.IsNullOrWhiteSpace(accept))
        {
            foreach (var range in accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var mediaRange = MediaRange.Parse(range);
                if (mediaRange.Quality <= 0)
                    continue;
                if (mediaRange.Is("application", "openmetrics-text") && mediaRange.VersionIsOneOf("1.0.0", "0.0.1"))
                    openMetricsQuality = Math.Max(openMetricsQuality, mediaRange.Quality);
                else if (mediaRange.Is("text", "plain") && mediaRange.VersionIsOneOf("0.0.4"))
                    textQuality = Math.Max(textQuality, mediaRange.Quality);
                else if (mediaRange.Is("text", "*") || mediaRange.Is("*", "*"))
                    textQuality = Math.Max(textQuality, mediaRange.Quality);
            }
        }
        var format = openMetricsQuality > 0 && openMetricsQuality >= textQuality
            ? ExpositionFormat.OpenMetrics
            : ExpositionFormat.PrometheusText;
        return new NegotiatedFormat(format, ExpositionContentTypes.Of(format));
    }

    private readonly record struct MediaRange(string Type, string Subtype, string? Version, double Quality)
    {
        public static MediaRange Parse(string range)
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries);
            var type = parts[0];
            int slash = type.IndexOf('/');
            string major = slash < 0 ? type : type[..slash];
            string minor = slash < 0 ? "" : type[(slash + 1)..];
            string? version = null;
            double quality = 1;
            foreach (var parameter in parts.AsSpan(1))
            {
                int equals = parameter.IndexOf('=');
                if (equals < 0)
                    continue;
                var name = parameter[..equals].Trim();
                var value = parameter[(equals + 1)..].Trim().Trim('"');
                if (name.Equals("q", StringComparison.OrdinalIgnoreCase))
                    quality = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var q) ? q : 0;
                else if (name.Equals("version", StringComparison.OrdinalIgnoreCase))
                    version = value;
            }
            return new MediaRange(major, minor, version, quality);
        }

        public bool Is(string type, string subtype) =>
            Type.Equals(type, StringComparison.OrdinalIgnoreCase) && Subtype.Equals(subtype, StringComparison.OrdinalIgnoreCase);

        public bool VersionIsOneOf(params ReadOnlySpan<string> versions)
        {
            if (Version is null)
                return true;
            foreach (var version in versions)
            {
                if (Version == version)
                    return true;
            }
            return false;
        }
    }
}
