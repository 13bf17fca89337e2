using Recurrent.Diagnostics.Metrics;
namespace Recurrent.Diagnostics.Tests.Metrics;

public sealed class HistogramBucketsTests
{
    [Fact]
    public void Grad_norm_grid_runs_from_1e_minus_6_to_1e4_at_root_ten_plus_the_thresholds()
    {
        var boundaries = HistogramBuckets.GradientNorm([0.25, 1.0, 7.5]);

        Assert.Equal(21 + 2, boundaries.Length); // 1.0 is already on the grid
        Assert.Equal(1e-6, boundaries[0]);
        Assert.Equal(1e4, boundaries[^1]);
        Assert.Contains(0.25, boundaries);
        Assert.Contains(7.5, boundaries);
        Assert.Equal(boundaries.Order(), boundaries);
        var grid = boundaries.Where(b => b is not 0.25 and not 7.5).ToArray();
        for (int i = 1; i < grid.Length; i++)
            Assert.Equal(Math.Sqrt(10), grid[i] / grid[i - 1], 1e-12);
    }

    [Fact]
    public void Invalid_thresholds_are_ignored()
    {
        Assert.Equal(21, HistogramBuckets.GradientNorm([double.NaN, 0, -1, double.PositiveInfinity]).Length);
    }
}
