using System.Text.Json;

namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>A Grafana dashboard file read as JSON: its panels (rows' nested panels included) and their queries.</summary>
internal sealed class GrafanaDashboard
{
    public const string DatasourceVariable = "${datasource}";

    private GrafanaDashboard(JsonElement root) => Root = root;

    public JsonElement Root { get; }

    public static GrafanaDashboard Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return new GrafanaDashboard(document.RootElement.Clone());
    }

    public IEnumerable<JsonElement> Panels => Flatten(Root.GetProperty("panels"));

    /// <summary>Panels that show data (not rows).</summary>
    public IEnumerable<JsonElement> DataPanels => Panels.Where(p => p.GetProperty("type").GetString() != "row");

    public IEnumerable<JsonElement> Variables => Root.GetProperty("templating").GetProperty("list").EnumerateArray();

    public static string Title(JsonElement panel) => panel.GetProperty("title").GetString() ?? "";

    public static IEnumerable<JsonElement> Targets(JsonElement panel) =>
        panel.TryGetProperty("targets", out var targets) ? targets.EnumerateArray() : [];

    /// <summary>(panel title, refId, expression) of every query of every panel.</summary>
    public IEnumerable<(string Panel, string RefId, string Expression)> Queries =>
        from panel in DataPanels
        from target in Targets(panel)
        select (Title(panel), target.GetProperty("refId").GetString() ?? "", target.GetProperty("expr").GetString() ?? "");

    private static IEnumerable<JsonElement> Flatten(JsonElement panels)
    {
        foreach (var panel in panels.EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in Flatten(nested))
                    yield return inner;
            }
        }
    }
}
