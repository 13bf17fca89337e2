using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Recurrent.Host.Experiments.Reports;

/// <summary>
/// Collects one study's findings (claims, figures, tables, raw numbers) and writes them to a directory:
/// report.md, one SVG per figure, one CSV per table and results.json with the claims and every table's rows.
/// </summary>
internal sealed class StudyReport(string name, string title)
{
    private readonly StringBuilder _body = new();
    private readonly Dictionary<string, string> _figures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CsvTable> _tables = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public string Title { get; } = title;

    public List<Claim> Claims { get; } = [];

    /// <summary>The setting the numbers came from (quick or full, seeds, lengths...), shown at the top.</summary>
    public Dictionary<string, object> Setting { get; } = new(StringComparer.Ordinal);

    public void Paragraph(string text) => _body.AppendLine(text).AppendLine();

    public void Heading(string text) => _body.AppendLine("## " + text).AppendLine();

    public void Figure(string fileStem, string svg, string caption)
    {
        _figures[fileStem + ".svg"] = svg;
        _body.AppendLine(CultureInfo.InvariantCulture, $"![{caption}]({fileStem}.svg)").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"*{caption}*").AppendLine();
    }

    /// <summary>Keeps the table as CSV and shows it in the report as Markdown.</summary>
    public void Table(string fileStem, CsvTable table, bool show = true)
    {
        _tables[fileStem] = table;
        if (!show)
        {
            _body.AppendLine(CultureInfo.InvariantCulture, $"Raw numbers: [{fileStem}.csv]({fileStem}.csv).").AppendLine();
            return;
        }
        _body.AppendLine("| " + string.Join(" | ", table.Columns) + " |");
        _body.AppendLine("|" + string.Concat(Enumerable.Repeat(" --- |", table.Columns.Count)));
        foreach (var row in table.Rows)
            _body.AppendLine("| " + string.Join(" | ", row.Select(Shorten)) + " |");
        _body.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Raw numbers: [{fileStem}.csv]({fileStem}.csv).").AppendLine();
    }

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (file, svg) in _figures)
            File.WriteAllText(Path.Combine(directory, file), svg);
        foreach (var (stem, table) in _tables)
            File.WriteAllText(Path.Combine(directory, stem + ".csv"), table.ToString());
        File.WriteAllText(Path.Combine(directory, "results.json"), ResultsJson());
        File.WriteAllText(Path.Combine(directory, "report.md"), Markdown());
    }

    public string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {Title}").AppendLine();
        text.AppendLine("Setting: " + string.Join(", ", Setting.Select(p => $"{p.Key} = {CsvTable.Format(p.Value)}")) + ".")
            .AppendLine();
        text.AppendLine("## Verdict").AppendLine();
        text.AppendLine("| claim | expectation | verdict | measured |").AppendLine("| --- | --- | --- | --- |");
        foreach (var claim in Claims)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| `{claim.Id}` | {claim.Expectation} | **{(claim.Held ? "held" : "did not hold")}** | {claim.Measured} |");
        text.AppendLine().Append(_body);
        return text.ToString();
    }

    private string ResultsJson()
    {
        var root = new JsonObject
        {
            ["study"] = Name,
            ["title"] = Title,
            ["setting"] = new JsonObject(Setting.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(CsvTable.Format(p.Value))))),
            ["claims"] = new JsonArray(Claims.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["expectation"] = c.Expectation,
                ["held"] = c.Held,
                ["measured"] = c.Measured,
            }).ToArray()),
        };
        var tables = new JsonObject();
        foreach (var (stem, table) in _tables)
            tables[stem] = new JsonArray(table.Rows.Select(row => (JsonNode)RowObject(table, row)).ToArray());
        root["tables"] = tables;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject RowObject(CsvTable table, string[] row)
    {
        var obj = new JsonObject();
        for (int i = 0; i < row.Length; i++)
        {
            // Numbers stay numbers in JSON so scripts need not parse strings; NaN has no JSON form and becomes null.
            obj[table.Columns[i]] = double.TryParse(row[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? (double.IsFinite(d) ? JsonValue.Create(d) : null)
                : row[i] switch { "true" => JsonValue.Create(true), "false" => JsonValue.Create(false), "" => null, _ => JsonValue.Create(row[i]) };
        }
        return obj;
    }

    private static string Shorten(string cell) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && cell.Contains('.', StringComparison.Ordinal)
            ? d.ToString("G4", CultureInfo.InvariantCulture)
            : cell;
}
