using Recurrent.Diagnostics.Metrics;
using Recurrent.Diagnostics.Tests.Metrics;

namespace Recurrent.Host.Tests.Service.Metrics;

/// <summary>
/// recurrent_skip_update_ratio: per run and layer, the share of the last step's sequence steps whose state the skip
/// gates updated, from GradientRecord.UpdateShares; only runs with skip updates export it.
/// </summary>
public sealed class SkipUpdateMetricTests
{
    [Fact]
    public void A_skip_run_exports_each_layers_share_and_a_plain_run_none()
    {
        using var metrics = new TrainingMetrics();
        using var endpoint = new MetricsEndpoint(metrics);
        TrainingScenario.Train(metrics, "skip", updateShares: [0.625, 0.25]);
        TrainingScenario.Train(metrics, "plain");

        var text = endpoint.Text();

        PromTool.AssertClean(text);
        Assert.Contains("recurrent_skip_update_ratio{layer=\"0\",run=\"skip\"} 0.625", text);
        Assert.Contains("recurrent_skip_update_ratio{layer=\"1\",run=\"skip\"} 0.25", text);
        Assert.DoesNotContain("recurrent_skip_update_ratio{layer=\"0\",run=\"plain\"}", text);
    }

    [Fact]
    public void A_step_without_a_valid_step_keeps_the_layers_last_share()
    {
        using var metrics = new TrainingMetrics();
        using var endpoint = new MetricsEndpoint(metrics);
        TrainingScenario.Train(metrics, "skip", updateShares: [0.5]);
        TrainingScenario.Train(metrics, "skip", steps: 1, fromStep: 4, updateShares: [double.NaN]);

        Assert.Contains("recurrent_skip_update_ratio{layer=\"0\",run=\"skip\"} 0.5", endpoint.Text());
    }
}
