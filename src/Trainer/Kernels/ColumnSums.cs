using System.Numerics.Tensors;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The column sums of a row-major matrix, result[j] = Σ_r m[r, j] (a bias gradient: Σ over the T·B stacked rows of
/// ∂L/∂z), rows added in ascending order onto +0, so the bits do not depend on the thread count. Two threads each
/// take half of the columns and add row after row into their half: summing a column block down all rows in
/// registers instead read the matrix with a stride of one row and was slower on large ones (6400 × 2048).
/// </summary>
internal static class ColumnSums
{
    // Below this many elements one thread sums the whole matrix. A bias sum at H = 128 (T·B = 1792 rows of 384 or 512
    // columns) takes 0.1–0.3 ms on one thread, and a hand-off to a second core that another process holds can cost
    // more than that (the GRU at two threads measured 0.82–1.07× with those sums split, on a machine at load 11–30);
    // the sums of H = 512 (6400 × 2048) take milliseconds and are split.
    private const int SplitElements = 1 << 21;

    // Columns of one part but the last: whole 64-byte lines, so two parts never write the same line of the result.
    private const int Quantum = 16;

    /// <summary>
    /// Writes the column sums of the first <paramref name="rows"/> rows of <paramref name="matrix"/> [rows, width]
    /// into <paramref name="result"/>, from column <paramref name="from"/> on (the result's elements before it are
    /// left as they are).
    /// </summary>
    public static void Sum(float[] matrix, int rows, int width, float[] result, int threads, int from = 0)
    {
        if ((long)rows * width > matrix.Length || result.Length < width || from < 0 || from > width)
            throw new ArgumentException(
                $"A [{rows}, {width}] matrix from column {from} needs {(long)rows * width} elements and a result of {width}; they have {matrix.Length} and {result.Length}.");
        var columns = width - from;
        var parts = (long)rows * columns < SplitElements ? 1 : Math.Clamp(Math.Min(threads, columns / Quantum), 1, 64);
        if (parts == 1)
        {
            Columns(matrix, rows, width, from, columns, result);
            return;
        }
        var perPart = ((columns + parts - 1) / parts + Quantum - 1) / Quantum * Quantum;
        PartRunner.Run(parts, part =>
        {
            var first = from + part * perPart;
            var count = Math.Min(perPart, width - first);
            if (count > 0)
                Columns(matrix, rows, width, first, count, result);
        }, "column sums");
    }

    private static void Columns(float[] matrix, int rows, int width, int first, int count, float[] result)
    {
        var sums = result.AsSpan(first, count);
        sums.Clear();
        for (var r = 0; r < rows; r++)
            TensorPrimitives.Add(sums, matrix.AsSpan(r * width + first, count), sums);
    }
}
