namespace Recurrent.Diagnostics.Exposition;

/// <summary>Maps OpenTelemetry instrument names, tag keys and units onto Prometheus rules.</summary>
/// <remarks>
/// Instrument names are used as they are (invalid characters become '_'); units are never appended, so an
/// instrument whose name already carries its unit (…_seconds) renders exactly that name. Counters gain the
/// "_total" suffix the formats require.
/// </remarks>
internal static class PrometheusNaming
{
    public const string TotalSuffix = "_total";

    public static string MetricName(string name) => Sanitize(name, allowColon: true);

    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    /// <summary>The counter's family name without "_total", as OpenMetrics wants it.</summary>
    public static string CounterFamily(string metricName) =>
        metricName.EndsWith(TotalSuffix, StringComparison.Ordinal) ? metricName[..^TotalSuffix.Length] : metricName;

    /// <summary>The Prometheus base unit for a UCUM unit, or null when there is none to declare.</summary>
    public static string? Unit(string? ucum) => ucum switch
    {
        "s" => "seconds",
        "By" => "bytes",
        "1" => "ratio",
        "m" => "meters",
        "Cel" => "celsius",
        "J" => "joules",
        "V" => "volts",
        "A" => "amperes",
        "g" => "grams",
        _ => null, // annotations such as {step} and empty units declare nothing
    };

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length > 0 && IsValid(name, allowColon))
            return name;
        var chars = new char[Math.Max(name.Length, 1)];
        for (int i = 0; i < name.Length; i++)
            chars[i] = IsValidChar(name[i], i == 0, allowColon) ? name[i] : '_';
        if (name.Length == 0)
            chars[0] = '_';
        return new string(chars);
    }

    private static bool IsValid(string name, bool allowColon)
    {
        for (int i = 0; i < name.Length; i++)
        {
            if (!IsValidChar(name[i], i == 0, allowColon))
                return false;
        }
        return true;
    }

    private static bool IsValidChar(char c, bool first, bool allowColon) =>
        char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (!first && char.IsAsciiDigit(c));
}
