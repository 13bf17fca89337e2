using System.Text.Json;
using Recurrent.Diagnostics.Analysis;
using Recurrent.Diagnostics.Tests.Analysis;
using Recurrent.Diagnostics.Tests.Metrics;

namespace Recurrent.Diagnostics.Tests;

public sealed class GradientRecordTests
{
    [Fact]
    public void A_record_copies_the_snapshot_and_its_analysis_and_outlives_both()
    {
        var snapshot = TrainingScenario.Snapshot(1.5, clipped: true, step: 41, clippedSteps: 8, nonFiniteSteps: 1);
        snapshot.Epoch = 3;
        snapshot.Loss = 0.25;
        var analysis = new GradientAnalysis();
        var result = analysis.Analyze(snapshot);
        var (ratio, horizon, profile) = (result.MedianLog10VanishingRatio, result.MemoryHorizonSteps, result.ProfileLog10.ToArray());

        var record = GradientRecord.Of(snapshot, result, stepSeconds: 0.125);
        snapshot.Step = 42;
        snapshot.GroupNorms[0] = 99;
        analysis.Analyze(Snapshots.WithRows(Snapshots.Geometric(4, 2.0)));

        Assert.Equal((41L, 3, 0.25, 1.5, true, false), (record.Step, record.Epoch, record.Loss, record.GradNorm, record.Clipped, record.NonFinite));
        Assert.Equal((2, 8L, 1L, 1.0, 0.125), (record.Sequences, record.ClippedSteps, record.NonFiniteSteps, record.GlobalNormThreshold, record.StepSeconds));
        Assert.Equal(ratio, record.Log10VanishingRatio);
        Assert.Equal(horizon, record.MemoryHorizon);
        Assert.Equal(profile, record.ProfileLog10);
        Assert.Equal(5, record.ProfileLog10.Length); // k = 1 … 16 are below the longest window of 20
        Assert.Equal([new GroupNorm("W_xh", 0.1), new GroupNorm("W_hh", 0.7), new GroupNorm("b", 0.01), new GroupNorm("head", 0.3)], record.GroupNorms);
        Assert.Equal("0", Assert.Single(record.JacobianBounds).Layer);
    }

    [Fact]
    public void Update_shares_of_skip_gates_are_copied_per_layer_and_averaged_into_the_json_share()
    {
        var snapshot = TrainingScenario.Snapshot(1.5, clipped: false, step: 3, clippedSteps: 0, nonFiniteSteps: 0);
        var plain = GradientRecord.Of(snapshot, null, 0.1);
        snapshot.UpdateShares = [0.5, 0.25];

        var record = GradientRecord.Of(snapshot, null, 0.1);
        snapshot.UpdateShares[0] = 1;

        Assert.Equal([0.5, 0.25], record.UpdateShares);
        Assert.Equal(0.375, record.UpdateShare);
        Assert.Empty(plain.UpdateShares);
        Assert.Null(plain.UpdateShare);
        Assert.Contains("\"update_share\":null", JsonSerializer.Serialize(plain, GradientJson.Options), StringComparison.Ordinal);
        var json = JsonSerializer.Serialize(record, GradientJson.Options);
        Assert.Contains("\"update_share\":0.375", json, StringComparison.Ordinal);
        Assert.DoesNotContain("update_shares", json, StringComparison.Ordinal);
        Assert.Equal(0.375, JsonSerializer.Deserialize<GradientRecord>(json, GradientJson.Options)!.UpdateShare);
    }

    [Fact]
    public void Detail_figures_are_copied_from_the_snapshot_and_its_analysis_and_round_trip_through_the_json()
    {
        var snapshot = TrainingScenario.Snapshot(1.5, step: 5);
        TrainingScenario.AddDetail(snapshot);
        snapshot.BlockUpdateRatios[2] = double.NaN; // a block not updated has no ratio
        var analysis = new GradientAnalysis().Analyze(snapshot);

        var record = GradientRecord.Of(snapshot, analysis, 0.1);
        snapshot.BlockGradNorms[0] = 99;
        snapshot.SaturationShares[0] = 99;

        // Path "0"/"forward" carries the same rows as the global adjoint norms, so the same figures.
        var forward = record.Paths[0];
        Assert.Equal(("0", "forward"), (forward.Layer, forward.Direction));
        Assert.Equal(record.Log10VanishingRatio, forward.Log10VanishingRatio);
        Assert.Equal(record.MemoryHorizon, forward.MemoryHorizon);
        Assert.Equal(record.ProfileLog10, forward.ProfileLog10);
        // The reverse rows decay more slowly (0.9 and 0.8 a step against 0.5 and 0.7): a ratio nearer 0.
        Assert.True(record.Paths[1].Log10VanishingRatio > forward.Log10VanishingRatio);
        Assert.Equal(8, record.Blocks.Count);
        Assert.Equal(new BlockFigures("0", "forward", "W_xh", "h", 0.1, 2, 1e-3), record.Blocks[0]);
        Assert.Null(record.Blocks[2].UpdateRatio);
        Assert.Equal([new SaturationFigure("0", "forward", "tanh", 0.1), new SaturationFigure("0", "reverse", "tanh", 0.25)],
            record.Saturation);

        var json = JsonSerializer.Serialize(record, GradientJson.Options);
        Assert.Contains("""{"layer":"head","direction":"forward","block":"W_hy","gate":"y","grad_norm":0.3,"weight_norm":1,"update_ratio":0.003}""",
            json, StringComparison.Ordinal);
        Assert.Contains("""{"layer":"0","direction":"reverse","unit":"tanh","share":0.25}""", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize<GradientRecord>(json, GradientJson.Options)!;
        Assert.Equal(record.Blocks, back.Blocks);
        Assert.Equal(record.Saturation, back.Saturation);
        Assert.Equal(record.Paths.Select(p => (p.Layer, p.Direction, p.Log10VanishingRatio, p.MemoryHorizon)),
            back.Paths.Select(p => (p.Layer, p.Direction, p.Log10VanishingRatio, p.MemoryHorizon)));
        Assert.Equal(record.Paths[1].ProfileLog10, back.Paths[1].ProfileLog10);
    }

    [Fact]
    public void Between_two_measurements_a_record_shares_the_last_records_detail_and_a_new_measurement_replaces_it()
    {
        var snapshot = TrainingScenario.Snapshot(1.5, step: 11);
        TrainingScenario.AddDetail(snapshot);
        snapshot.DetailStep = 11;
        var analysis = new GradientAnalysis();
        var measured = GradientRecord.Of(snapshot, analysis.Analyze(snapshot), 0.1, null);

        snapshot.Step = 12;
        var between = GradientRecord.Of(snapshot, analysis.Analyze(snapshot), 0.1, measured);
        snapshot.Step = 13;
        var unanalysed = GradientRecord.Of(snapshot, null, 0.1, between);

        // The same figures, not copies of them: a step between measurements allocates none of the detail.
        Assert.Same(measured.Blocks, between.Blocks);
        Assert.Same(measured.Saturation, between.Saturation);
        Assert.Same(measured.Paths, between.Paths);
        Assert.Equal((12L, 11L), (between.Step, between.DetailStep!.Value));
        Assert.Same(measured.Blocks, unanalysed.Blocks);
        Assert.Empty(unanalysed.Paths); // a step not analysed has no path figures, whatever the last record had

        snapshot.Step = 21;
        snapshot.DetailStep = 21;
        snapshot.BlockGradNorms[0] = 0.7;
        snapshot.SaturationShares[1] = 0.5;
        var next = GradientRecord.Of(snapshot, analysis.Analyze(snapshot), 0.1, between);

        Assert.NotSame(between.Blocks, next.Blocks);
        Assert.Equal(0.7, next.Blocks[0].GradNorm);
        Assert.Equal(0.1, between.Blocks[0].GradNorm);
        Assert.Equal(0.5, next.Saturation[1].Share);
        Assert.Equal(measured.Paths.Select(p => p.Log10VanishingRatio), next.Paths.Select(p => p.Log10VanishingRatio));
        Assert.NotSame(measured.Paths, next.Paths);
    }

    [Fact]
    public void Without_ratios_the_analysis_figures_are_null_and_value_clipping_has_no_global_threshold()
    {
        var snapshot = Snapshots.WithRows([0.25f]); // one step: no ratio exists
        snapshot.ClipMode = ClipMode.Value;
        snapshot.ClipThreshold = 0.1;

        var record = GradientRecord.Of(snapshot, new GradientAnalysis().Analyze(snapshot), double.NaN);

        Assert.Null(record.Log10VanishingRatio);
        Assert.Null(record.MemoryHorizon);
        Assert.Null(record.DecayLog10PerStep);
        Assert.Empty(record.ProfileLog10);
        Assert.False(record.HasRatios);
        Assert.True(double.IsNaN(record.GlobalNormThreshold));
    }

    [Fact]
    public void Json_has_snake_case_names_the_page_reads_and_every_non_finite_number_as_null()
    {
        var record = new GradientRecord(7, 2, double.NaN, double.PositiveInfinity, Clipped: false, NonFinite: true, -1.5, 3,
            [-0.25, double.NaN])
        { GroupNorms = [new GroupNorm("W_hh", 1)], StepSeconds = 0.5 };

        var json = JsonSerializer.Serialize(record, GradientJson.Options);

        Assert.Equal("""{"step":7,"epoch":2,"loss":null,"grad_norm":null,"clipped":false,"non_finite":true,"log10_vanishing_ratio":-1.5,"memory_horizon":3,"profile_log10":[-0.25,null],"update_share":null,"paths":[],"blocks":[],"saturation":[],"detail_step":null}""", json);
        var back = JsonSerializer.Deserialize<GradientRecord>(json, GradientJson.Options)!;
        Assert.True(double.IsNaN(back.Loss) && double.IsNaN(back.GradNorm) && double.IsNaN(back.ProfileLog10[1]));
        Assert.Equal((7L, 2, -1.5, 3, -0.25), (back.Step, back.Epoch, back.Log10VanishingRatio!.Value, back.MemoryHorizon!.Value, back.ProfileLog10[0]));
        Assert.Empty(back.GroupNorms); // the metrics' figures are not in the JSON
    }
}
