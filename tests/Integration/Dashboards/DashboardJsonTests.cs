using System.Text.Json;

namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>Static checks of dashboards/grafana/recurrent-training.json.</summary>
public sealed class DashboardJsonTests
{
    private static readonly GrafanaDashboard Dashboard = GrafanaDashboard.Load(RepositoryFiles.TrainingDashboard);

    [Fact]
    public void Uses_a_current_schema_and_a_stable_uid()
    {
        Assert.True(Dashboard.Root.GetProperty("schemaVersion").GetInt32() >= 39);
        Assert.Equal("recurrent-training", Dashboard.Root.GetProperty("uid").GetString());
    }

    [Fact]
    public void Declares_a_prometheus_datasource_variable_and_a_multi_select_run_variable()
    {
        var datasource = Assert.Single(Dashboard.Variables, v => v.GetProperty("name").GetString() == "datasource");
        Assert.Equal("datasource", datasource.GetProperty("type").GetString());
        Assert.Equal("prometheus", datasource.GetProperty("query").GetString());

        var run = Assert.Single(Dashboard.Variables, v => v.GetProperty("name").GetString() == "run");
        Assert.Equal("query", run.GetProperty("type").GetString());
        Assert.Equal(GrafanaDashboard.DatasourceVariable, run.GetProperty("datasource").GetProperty("uid").GetString());
        Assert.Equal("label_values(recurrent_train_steps_total, run)", run.GetProperty("query").GetProperty("query").GetString());
        Assert.True(run.GetProperty("multi").GetBoolean());
    }

    [Fact]
    public void Panel_ids_are_unique()
    {
        var ids = Dashboard.Panels.Select(p => p.GetProperty("id").GetInt32()).ToList();

        Assert.NotEmpty(ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Every_panel_and_query_uses_the_datasource_variable()
    {
        foreach (var panel in Dashboard.DataPanels)
        {
            var title = GrafanaDashboard.Title(panel);
            AssertDatasourceVariable(panel.GetProperty("datasource"), title);
            Assert.True(GrafanaDashboard.Targets(panel).Any(), $"panel '{title}' has no query");
            foreach (var target in GrafanaDashboard.Targets(panel))
            {
                if (target.TryGetProperty("datasource", out var datasource))
                    AssertDatasourceVariable(datasource, title);
            }
        }
    }

    [Fact]
    public void Every_panel_has_a_description_saying_how_to_read_it()
    {
        foreach (var panel in Dashboard.DataPanels)
        {
            var description = panel.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
            Assert.True(description.Length >= 150, $"panel '{GrafanaDashboard.Title(panel)}' has a description of {description.Length} characters");
            Assert.Contains("How to read it", description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_query_selects_only_contract_metrics()
    {
        foreach (var (panel, refId, expression) in Dashboard.Queries)
        {
            var names = PromQlNames.In(expression);
            Assert.True(names.Count > 0, $"'{panel}' {refId} selects no metric: {expression}");
            var unknown = names.Where(n => !MetricContract.SeriesNames.Contains(n)).ToList();
            Assert.True(unknown.Count == 0, $"'{panel}' {refId} uses {string.Join(", ", unknown)}, not in the metric contract: {expression}");
        }
    }

    [Fact]
    public void Queries_filter_by_the_run_variable_wherever_the_metric_has_a_run_label()
    {
        foreach (var (panel, refId, expression) in Dashboard.Queries)
        {
            if (PromQlNames.In(expression).Contains(MetricContract.ServiceOnlyMetric))
                continue;
            int selectors = PromQlNames.In(expression).Sum(name => CountOccurrences(expression, name + "{"));
            // The per layer/direction panels also filter by $layer and $direction after $run.
            int filtered = CountOccurrences(expression, "{run=~\"$run\"}") + CountOccurrences(expression, "{run=~\"$run\", ");
            Assert.True(selectors > 0 && selectors == filtered, $"'{panel}' {refId} does not filter every selector by $run: {expression}");
        }
    }

    [Fact]
    public void Shows_every_signal_the_dashboard_is_for()
    {
        var used = Dashboard.Queries.SelectMany(q => PromQlNames.In(q.Expression)).ToHashSet(StringComparer.Ordinal);
        string[] required =
        [
            "recurrent_grad_norm_bucket", "recurrent_grad_clip_threshold", "recurrent_grad_clipped_steps_total",
            "recurrent_train_steps_total", "recurrent_grad_nonfinite_steps_total", "recurrent_grad_vanishing_log10_ratio",
            "recurrent_grad_memory_horizon_steps", "recurrent_grad_profile_log10", "recurrent_jacobian_bound",
            "recurrent_train_loss", "recurrent_validation_loss", "recurrent_train_accuracy_ratio",
            "recurrent_validation_accuracy_ratio", "recurrent_train_sequences_total",
            "recurrent_train_step_duration_seconds_bucket", "recurrent_runs", "recurrent_skip_update_ratio",
            "recurrent_grad_path_vanishing_log10_ratio", "recurrent_grad_path_memory_horizon_steps",
            "recurrent_grad_path_profile_log10", "recurrent_grad_block_norm", "recurrent_weight_block_norm",
            "recurrent_update_ratio", "recurrent_saturation_ratio",
        ];

        var absent = required.Where(r => !used.Contains(r)).ToList();
        Assert.True(absent.Count == 0, $"no panel shows {string.Join(", ", absent)}");
        Assert.Contains(Dashboard.Queries, q => q.Expression.StartsWith("histogram_quantile(0.99, sum by (le, run) (rate(recurrent_grad_norm_bucket", StringComparison.Ordinal));
        Assert.Contains(Dashboard.Queries, q => q.Expression.Contains("by (run, steps_back)", StringComparison.Ordinal));
    }

    [Fact]
    public void Per_layer_panels_filter_by_the_layer_and_direction_variables_and_the_profile_is_a_heatmap()
    {
        foreach (var name in new[] { "layer", "direction" })
        {
            var variable = Assert.Single(Dashboard.Variables, v => v.GetProperty("name").GetString() == name);
            Assert.Equal($"label_values(recurrent_grad_path_vanishing_log10_ratio{{run=~\"$run\"}}, {name})",
                variable.GetProperty("query").GetProperty("query").GetString());
            Assert.True(variable.GetProperty("multi").GetBoolean());
            // "All" must match the head's blocks too, which the path metric does not list.
            Assert.Equal(".*", variable.GetProperty("allValue").GetString());
        }
        string[] perLayer =
        [
            "recurrent_grad_path_vanishing_log10_ratio", "recurrent_grad_path_memory_horizon_steps", "recurrent_grad_path_profile_log10",
            "recurrent_grad_block_norm", "recurrent_weight_block_norm", "recurrent_update_ratio", "recurrent_saturation_ratio",
        ];
        foreach (var (panel, refId, expression) in Dashboard.Queries.Where(q => PromQlNames.In(q.Expression).Overlaps(perLayer)))
            Assert.True(expression.Contains("{run=~\"$run\", layer=~\"$layer\", direction=~\"$direction\"}", StringComparison.Ordinal),
                $"'{panel}' {refId} does not filter by $layer and $direction: {expression}");

        var heatmap = Assert.Single(Dashboard.DataPanels, p => p.GetProperty("type").GetString() == "heatmap");
        var target = Assert.Single(GrafanaDashboard.Targets(heatmap));
        Assert.StartsWith("max by (run, steps_back) (recurrent_grad_path_profile_log10{", target.GetProperty("expr").GetString(), StringComparison.Ordinal);
        Assert.False(heatmap.GetProperty("options").GetProperty("calculate").GetBoolean()); // the values are the cells, not counted into buckets
    }

    [Fact]
    public void Update_ratio_panel_is_logarithmic_with_the_alerts_limit_drawn()
    {
        var panel = Assert.Single(Dashboard.DataPanels, p => GrafanaDashboard.Title(p).StartsWith("Update ratio per block", StringComparison.Ordinal));
        var defaults = panel.GetProperty("fieldConfig").GetProperty("defaults");
        Assert.Equal("log", defaults.GetProperty("custom").GetProperty("scaleDistribution").GetProperty("type").GetString());
        var steps = defaults.GetProperty("thresholds").GetProperty("steps").EnumerateArray()
            .Where(s => s.GetProperty("value").ValueKind == JsonValueKind.Number).Select(s => s.GetProperty("value").GetDouble());
        Assert.Equal([0.1], steps); // the upper limit of the RecurrentUpdateRatioOutOfBand alert
    }

    [Fact]
    public void Jacobian_panel_draws_a_reference_line_at_one()
    {
        var panel = Assert.Single(Dashboard.DataPanels, p => GrafanaDashboard.Title(p).StartsWith("Jacobian bound", StringComparison.Ordinal));
        var defaults = panel.GetProperty("fieldConfig").GetProperty("defaults");

        Assert.NotEqual("off", defaults.GetProperty("custom").GetProperty("thresholdsStyle").GetProperty("mode").GetString());
        Assert.Contains(defaults.GetProperty("thresholds").GetProperty("steps").EnumerateArray(),
            step => step.GetProperty("value").ValueKind == JsonValueKind.Number && step.GetProperty("value").GetDouble() == 1);
    }

    [Fact]
    public void Panels_do_not_overlap_on_the_grid()
    {
        var boxes = Dashboard.Panels.Select(p => (Title: GrafanaDashboard.Title(p), Grid: p.GetProperty("gridPos"))).Select(p =>
            (p.Title, X: p.Grid.GetProperty("x").GetInt32(), Y: p.Grid.GetProperty("y").GetInt32(),
             W: p.Grid.GetProperty("w").GetInt32(), H: p.Grid.GetProperty("h").GetInt32())).ToList();

        for (int i = 0; i < boxes.Count; i++)
        {
            var a = boxes[i];
            Assert.True(a.X >= 0 && a.W > 0 && a.X + a.W <= 24, $"'{a.Title}' is outside the 24-column grid");
            foreach (var b in boxes.Skip(i + 1))
            {
                bool overlap = a.X < b.X + b.W && b.X < a.X + a.W && a.Y < b.Y + b.H && b.Y < a.Y + a.H;
                Assert.False(overlap, $"'{a.Title}' overlaps '{b.Title}'");
            }
        }
    }

    [Fact]
    public void Metric_name_extraction_ignores_labels_functions_ranges_and_variables()
    {
        var names = PromQlNames.In(
            "histogram_quantile(0.99, sum by (le, run) (rate(recurrent_grad_norm_bucket{run=~\"$run\", le!=\"1e-3\"}[$__rate_interval])))"
            + " / on (run) group_left max without (param) (foo_bar:baz offset 5m) > bool 1e-3 and vector(1)");

        Assert.Equal(["foo_bar:baz", "recurrent_grad_norm_bucket"], names.Order(StringComparer.Ordinal));
    }

    private static void AssertDatasourceVariable(JsonElement datasource, string panel)
    {
        Assert.True(datasource.ValueKind == JsonValueKind.Object, $"panel '{panel}' has no datasource object");
        Assert.Equal(GrafanaDashboard.DatasourceVariable, datasource.GetProperty("uid").GetString());
        Assert.Equal("prometheus", datasource.GetProperty("type").GetString());
    }

    private static int CountOccurrences(string text, string value)
    {
        int count = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
