using System.Globalization;
using System.Text;

namespace Recurrent.Host.Experiments.Reports;

/// <summary>A table of raw numbers written as RFC 4180 CSV (invariant culture, round-trippable doubles).</summary>
internal sealed class CsvTable(params string[] columns)
{
    private readonly List<string[]> _rows = [];

    public IReadOnlyList<string> Columns { get; } = columns;

    public IReadOnlyList<string[]> Rows => _rows;

    public void Add(params object?[] values)
    {
        if (values.Length != Columns.Count)
            throw new ArgumentException($"Expected {Columns.Count} values, got {values.Length}.", nameof(values));
        _rows.Add(values.Select(Format).ToArray());
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(',', Columns.Select(Quote)));
        foreach (var row in _rows)
            text.AppendLine(string.Join(',', row.Select(Quote)));
        return text.ToString();
    }

    public static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
