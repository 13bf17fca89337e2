using Recurrent.Diagnostics.Analysis;
namespace Recurrent.Diagnostics.Tests.Analysis;

public sealed class SpectralNormEstimatorTests
{
    /// <summary>W = Q · diag(3, 2, 0.5), Q a rotation, so σ = {3, 2, 0.5} without being diagonal.</summary>
    private static float[] MatrixWithSingularValues3_2_Half()
    {
        double c = Math.Cos(0.7), s = Math.Sin(0.7);
        double[,] q = { { c, -s, 0 }, { s, c, 0 }, { 0, 0, 1 } };
        double[] sigma = [3, 2, 0.5];
        var w = new float[9];
        for (int r = 0; r < 3; r++)
        {
            for (int col = 0; col < 3; col++)
                w[r * 3 + col] = (float)(q[r, col] * sigma[col]);
        }
        return w;
    }

    [Fact]
    public void Converges_to_the_largest_singular_value()
    {
        var weights = new RecurrentWeights("0", MatrixWithSingularValues3_2_Half(), 3, 3, gamma: 1.0);

        double sigma = new SpectralNormEstimator(iterations: 50).EstimateSigmaMax(weights);

        Assert.Equal(3.0, sigma, 1e-5);
    }

    [Fact]
    public void Warm_start_converges_over_repeated_calls_and_gamma_scales_the_bound()
    {
        var weights = new RecurrentWeights("0", MatrixWithSingularValues3_2_Half(), 3, 3, gamma: 0.25);
        var estimator = new SpectralNormEstimator(iterations: 2);

        double first = estimator.EstimateSigmaMax(weights);
        for (int i = 0; i < 30; i++)
            estimator.EstimateSigmaMax(weights);
        double bound = estimator.EstimateBound(weights);

        Assert.True(first <= 3.0 + 1e-9);
        Assert.Equal(0.75, bound, 1e-5);
    }

    [Fact]
    public void Rectangular_gate_stacks_use_the_whole_matrix()
    {
        // Two gates stacked: [[2,0],[0,1],[0,0],[0,0]] has σ_max = 2.
        var weights = new RecurrentWeights("0", [2f, 0f, 0f, 1f, 0f, 0f, 0f, 0f], 4, 2, 1.0);

        Assert.Equal(2.0, new SpectralNormEstimator(40).EstimateSigmaMax(weights), 1e-6);
    }

    [Fact]
    public void Non_finite_weights_give_NaN_and_zero_weights_give_zero()
    {
        var estimator = new SpectralNormEstimator();

        Assert.True(double.IsNaN(estimator.EstimateSigmaMax(new RecurrentWeights("a", [float.NaN, 0f, 0f, 1f], 2, 2, 1))));
        Assert.Equal(0.0, estimator.EstimateSigmaMax(new RecurrentWeights("b", new float[4], 2, 2, 1)));
    }
}
