using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Kernels;

/// <summary>
/// Column sums (the bias gradients) add the rows in ascending order onto +0 whatever the thread count, so they give
/// the bits of a plain loop over the rows.
/// </summary>
public class ColumnSumsTests
{
    [Theory]
    [InlineData(1, 7)]
    [InlineData(3, 512)]
    [InlineData(1792, 512)]
    [InlineData(300, 333)]
    [InlineData(700, 100)]
    [InlineData(4500, 520)]
    public void Sums_give_the_bits_of_adding_row_after_row_on_any_thread_count(int rows, int width)
    {
        var random = new Random(rows * 31 + width);
        var matrix = new float[rows * width + 5];
        for (var i = 0; i < matrix.Length; i++)
            matrix[i] = (float)(random.NextDouble() * 2 - 1) * (i % 7 == 0 ? 1e4f : 1f);
        var expected = new float[width];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < width; j++)
                expected[j] += matrix[r * width + j];
        }
        foreach (var threads in new[] { 1, 2, 3 })
        {
            var result = Enumerable.Repeat(float.NaN, width + 3).ToArray();
            ColumnSums.Sum(matrix, rows, width, result, threads);
            Assert.Equal(expected, result[..width]);
            Assert.All(result[width..], v => Assert.True(float.IsNaN(v)));
            // From a column on: the same sums there, the columns before it untouched.
            var from = width / 3;
            var tail = Enumerable.Repeat(float.NaN, width).ToArray();
            ColumnSums.Sum(matrix, rows, width, tail, threads, from);
            Assert.Equal(expected[from..], tail[from..]);
            Assert.All(tail[..from], v => Assert.True(float.IsNaN(v)));
        }
    }

    [Fact]
    public void A_matrix_or_result_too_small_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => ColumnSums.Sum(new float[10], 3, 4, new float[4], 1));
        Assert.Contains("[3, 4]", error.Message);
        Assert.Throws<ArgumentException>(() => ColumnSums.Sum(new float[12], 3, 4, new float[3], 1));
        Assert.Throws<ArgumentException>(() => ColumnSums.Sum(new float[12], 3, 4, new float[4], 1, from: 5));
    }
}
