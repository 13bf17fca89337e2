namespace Recurrent.Diagnostics.Tests;

public sealed class GradientSnapshotTests
{
    [Fact]
    public void Adjoint_norms_are_copied_row_by_row_and_cleared_without_touching_the_batch_size()
    {
        var snapshot = new GradientSnapshot { BatchSize = 2 };
        float[] norms = [1, 2, 3, 4, 5, 0];

        snapshot.SetAdjointNorms(3, [3, 2], norms);
        norms[0] = 99;

        Assert.True(snapshot.HasAdjointNorms);
        Assert.Equal([1f, 2f, 3f], snapshot.AdjointNormsOf(0).ToArray());
        Assert.Equal([4f, 5f], snapshot.AdjointNormsOf(1).ToArray());
        snapshot.ClearAdjointNorms();
        Assert.False(snapshot.HasAdjointNorms);
        Assert.Equal(0, snapshot.WindowLengths.Length);
        Assert.Equal(2, snapshot.BatchSize);
    }

    [Theory]
    [InlineData(3, new[] { 3 }, 6, "1 window lengths for a batch of 2 sequences.")]
    [InlineData(3, new[] { 3, 2 }, 5, "5 adjoint norms for 2 rows of 3.")]
    [InlineData(2, new[] { 3, 2 }, 4, "Window length 3 of sample 0 is outside 0..2.")]
    public void Adjoint_norms_that_do_not_fit_the_batch_are_refused(int stride, int[] windows, int count, string message)
    {
        var snapshot = new GradientSnapshot { BatchSize = 2 };

        var error = Assert.Throws<ArgumentException>(() => snapshot.SetAdjointNorms(stride, windows, new float[count]));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.False(snapshot.HasAdjointNorms);
    }
}
