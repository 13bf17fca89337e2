using System.Globalization;
using System.Text.Json;

namespace Recurrent.Host.Commands;

/// <summary>Prints a result as one JSON object, or as aligned "name: value" lines for people.</summary>
internal static class CliOutput
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static void Print(IReadOnlyDictionary<string, object?> result, bool json)
    {
        if (json)
        {
            // JSON has no NaN or Infinity (a diverged run's loss): such values are written as null.
            var finite = result.ToDictionary(pair => pair.Key,
                pair => pair.Value is double d && !double.IsFinite(d) ? null : pair.Value);
            Console.WriteLine(JsonSerializer.Serialize(finite, Json));
            return;
        }
        var width = result.Keys.Max(k => k.Length);
        foreach (var (key, value) in result)
        {
            if (value is null)
                continue;
            Console.WriteLine($"{key.PadRight(width)}  {Format(value)}");
        }
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
