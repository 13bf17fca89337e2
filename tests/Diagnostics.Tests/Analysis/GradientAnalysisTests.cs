using Recurrent.Diagnostics.Analysis;
namespace Recurrent.Diagnostics.Tests.Analysis;

public sealed class GradientAnalysisTests
{
    private const double Tolerance = 1e-5;

    // g_t = rate^(T−t) loses log10(rate) decades per step: 1e-3 survives ⌊3 / −log10(rate)⌋ steps back (all T − 1 of
    // them when the gradient grows), and the profile has a value for each k below T.
    [Theory]
    [InlineData(20, 0.5, 9, 5)] // log10 0.5 ≈ −0.301: 9 steps back keep 1e-3, 10 do not; k = 1 … 16
    [InlineData(12, 0.25, 4, 4)] // log10 0.25 ≈ −0.602: 4 steps; k = 1 … 8
    [InlineData(8, 2.0, 7, 3)] // exploding: the horizon reaches the first step; k = 1, 2, 4
    public void Geometric_rows_give_exact_ratio_decay_horizon_and_profile(int length, double rate, int horizon, int profileLength)
    {
        var snapshot = Snapshots.WithRows(Snapshots.Geometric(length, rate), Snapshots.Geometric(length, rate, gLoss: 7));

        var result = new GradientAnalysis().Analyze(snapshot);

        double decades = Math.Log10(rate);
        Assert.Equal(2, result.DefinedSamples);
        Assert.Equal(0, result.UndefinedSamples);
        Assert.Equal((length - 1) * decades, result.MedianLog10VanishingRatio, Tolerance);
        Assert.Equal(decades, result.MedianDecayLog10PerStep, Tolerance);
        Assert.Equal(horizon, result.MemoryHorizonSteps);
        Assert.Equal(profileLength, result.ProfileLength);
        for (int i = 0; i < result.ProfileLength; i++)
            Assert.Equal(GradientAnalysisResult.ProfileStepsBack[i] * decades, result.ProfileLog10[i], Tolerance);
    }

    [Fact]
    public void Non_finite_values_are_counted_and_left_out()
    {
        var poisoned = Snapshots.Geometric(10, 0.5);
        poisoned[3] = float.NaN;
        var infinite = Snapshots.Geometric(10, 0.5);
        infinite[0] = float.PositiveInfinity;
        var snapshot = Snapshots.WithRows(poisoned, Snapshots.Geometric(10, 0.1), infinite);

        var result = new GradientAnalysis().Analyze(snapshot);

        Assert.Equal(2, result.NonFiniteSamples);
        Assert.Equal(1, result.DefinedSamples);
        Assert.Equal(-9.0, result.MedianLog10VanishingRatio, Tolerance);
        Assert.True(double.IsFinite(result.MedianDecayLog10PerStep));
    }

    [Fact]
    public void Length_one_sequences_and_vanished_loss_gradients_are_undefined()
    {
        var vanished = Snapshots.Geometric(6, 0.5, gLoss: 1e-31);
        var snapshot = Snapshots.WithRows([0.25f], vanished);

        var result = new GradientAnalysis().Analyze(snapshot);

        Assert.Equal(1, result.SingleStepSamples);
        Assert.Equal(1, result.VanishedLossGradientSamples);
        Assert.Equal(2, result.UndefinedSamples);
        Assert.False(result.HasRatios);
        Assert.Equal(0, result.MemoryHorizonSteps);
        Assert.Equal(0, result.ProfileLength);
    }

    [Fact]
    public void Medians_over_samples_of_mixed_lengths_use_only_samples_long_enough()
    {
        // Per-step decades: -1 (T=3), -0.5 (T=5), -0.25 (T=9).
        var snapshot = Snapshots.WithRows(
            Snapshots.Geometric(3, 0.1),
            Snapshots.Geometric(5, Math.Pow(10, -0.5)),
            Snapshots.Geometric(9, Math.Pow(10, -0.25)));

        var result = new GradientAnalysis().Analyze(snapshot);

        // log10 V_b = -2, -2, -2: lengths differ, so κ separates them and the ratio does not.
        Assert.Equal(-2.0, result.MedianLog10VanishingRatio, Tolerance);
        Assert.Equal(-0.5, result.MedianDecayLog10PerStep, Tolerance);
        // k=1: all three (-1, -0.5, -0.25) -> -0.5; k=2: all three -> -1.0;
        // k=4: T=5 and T=9 (-2, -1) -> -1.5; k=8: only T=9 -> -2.
        Assert.Equal(4, result.ProfileLength);
        Assert.Equal(-0.5, result.ProfileLog10[0], Tolerance);
        Assert.Equal(-1.0, result.ProfileLog10[1], Tolerance);
        Assert.Equal(-1.5, result.ProfileLog10[2], Tolerance);
        Assert.Equal(-2.0, result.ProfileLog10[3], Tolerance);
        Assert.Equal(8, result.MemoryHorizonSteps);
    }

    [Fact]
    public void Zero_norms_give_finite_figures()
    {
        var row = Snapshots.Geometric(5, 0.5);
        row[0] = 0f;

        var result = new GradientAnalysis().Analyze(Snapshots.WithRows(row));

        Assert.True(double.IsFinite(result.MedianLog10VanishingRatio));
        Assert.True(result.MedianLog10VanishingRatio < -40);
    }

    [Fact]
    public void Steady_state_analysis_does_not_allocate()
    {
        var snapshot = Snapshots.WithRows(Snapshots.Geometric(64, 0.9), Snapshots.Geometric(50, 0.8));
        snapshot.RecurrentWeights = [new RecurrentWeights("0", [1f, 0f, 0f, 2f], 2, 2, 1.0)];
        var analysis = new GradientAnalysis();
        for (int warmUp = 0; warmUp < 3; warmUp++)
            analysis.Analyze(snapshot);

        long before = GC.GetAllocatedBytesForCurrentThread();
        analysis.Analyze(snapshot);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
