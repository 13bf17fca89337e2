using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Engine;

/// <summary>
/// Adjoint norms are what the vanishing diagnostics divide: they must stay exact for adjoints that have vanished by
/// twenty orders of magnitude, where squaring in float underflows.
/// </summary>
public class AdjointNormTests
{
    [Theory]
    [InlineData(1e-24f, 37)]
    [InlineData(3e-30f, 64)]
    [InlineData(1e-40f, 9)]
    [InlineData(1e15f, 33)]
    [InlineData(0.5f, 1)]
    public void SumOfSquaresIsExactFromDenormalsToLargeValues(float value, int length)
    {
        var x = Enumerable.Range(0, length).Select(i => i % 2 == 0 ? value : -value).ToArray();
        var expected = length * (double)value * value;
        var actual = GateMath.SumOfSquares(x);
        Assert.True(Math.Abs(actual - expected) <= 1e-12 * expected, $"{actual:E6} vs {expected:E6}");
    }

    [Fact]
    public void AFloatSumWouldHaveReportedZero()
    {
        var x = Enumerable.Repeat(1e-24f, 32).ToArray();
        Assert.Equal(0f, System.Numerics.Tensors.TensorPrimitives.SumOfSquares(x));
        Assert.True(GateMath.SumOfSquares(x) > 0);
    }
}
