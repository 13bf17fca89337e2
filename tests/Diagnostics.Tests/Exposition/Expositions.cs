namespace Recurrent.Diagnostics.Tests.Exposition;

/// <summary>Helpers that read rendered expositions back.</summary>
internal static class Expositions
{
    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static string[] Samples(string text, string prefix) =>
        [.. Lines(text).Where(l => !l.StartsWith('#') && l.StartsWith(prefix, StringComparison.Ordinal))];

    public static double Value(string sampleLine) =>
        double.Parse(sampleLine[(sampleLine.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
