using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

namespace Recurrent.Integration.Tests.Experiments;

/// <summary>Reads a study's report directory back and checks that every file is what it claims to be.</summary>
internal sealed class StudyOutput(string directory)
{
    public JsonElement Results { get; } = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "results.json"))).RootElement;

    public string Markdown { get; } = File.ReadAllText(Path.Combine(directory, "report.md"));

    public bool Held(string claimId)
    {
        foreach (var claim in Results.GetProperty("claims").EnumerateArray())
        {
            if (claim.GetProperty("id").GetString() == claimId)
                return claim.GetProperty("held").GetBoolean();
        }
        throw new Xunit.Sdk.XunitException($"No claim '{claimId}' in {directory}.");
    }

    /// <summary>The rows of one table from results.json, for checking a claim's direction from the raw numbers.</summary>
    public IReadOnlyList<JsonElement> Table(string name) => Results.GetProperty("tables").GetProperty(name).EnumerateArray().ToList();

    public void CheckFiles()
    {
        var svgs = Directory.GetFiles(directory, "*.svg");
        Assert.NotEmpty(svgs);
        foreach (var svg in svgs)
        {
            var document = XDocument.Load(svg);
            XNamespace ns = "http://www.w3.org/2000/svg";
            Assert.Equal(ns + "svg", document.Root!.Name);
            Assert.True(document.Descendants(ns + "path").Any() || document.Descendants(ns + "polyline").Any(), $"{svg} draws no path");
            Assert.Contains(Path.GetFileName(svg), Markdown, StringComparison.Ordinal);
        }
        var csvs = Directory.GetFiles(directory, "*.csv");
        Assert.NotEmpty(csvs);
        foreach (var csv in csvs)
            CheckCsv(csv);
        Assert.NotEmpty(Results.GetProperty("claims").EnumerateArray());
        Assert.Contains("## Verdict", Markdown, StringComparison.Ordinal);
    }

    private static void CheckCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        Assert.True(lines.Length >= 2, $"{path} has no rows");
        int columns = lines[0].Split(',').Length;
        int numbers = 0;
        foreach (var line in lines.Skip(1))
        {
            var fields = SplitRecord(line);
            Assert.Equal(columns, fields.Count);
            numbers += fields.Count(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        }
        Assert.True(numbers > 0, $"{path} holds no numbers");
    }

    /// <summary>Fields of one RFC 4180 record without line breaks: quoted fields may hold commas and "".</summary>
    private static List<string> SplitRecord(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
            {
                field.Append('"');
                i++;
            }
            else if (c == '"')
                quoted = !quoted;
            else if (c == ',' && !quoted)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
                field.Append(c);
        }
        Assert.False(quoted, $"unterminated quote in: {line}");
        fields.Add(field.ToString());
        return fields;
    }
}
