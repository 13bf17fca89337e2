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
    // Below this many elements one thread sums the whole matrix: the hand-off would cost more.
    private const int SplitElements = 1 << 16;

    // Columns of one part but the last: whole 64-byte lines, so two parts never write the same line of the result.
    private const int Quantum = 16;

    /// <summary>Writes the column sums of the first <paramref name="rows"/> rows of <paramref name="matrix"/> [rows, width] into <paramref name="result"/>.</summary>
    public static void Sum(float[] matrix, int rows, int width, float[] result, int threads)
    {
        if ((long)rows * width > matrix.Length || result.Length < width)
            throw new ArgumentException(
                $"A [{rows}, {width}] matrix needs {(long)rows * width} elements and a result of {width}; they have {matrix.Length} and {result.Length}.");
        var parts = (long)rows * width < SplitElements ? 1 : Math.Clamp(Math.Min(threads, width / Quantum), 1, 64);
        if (parts == 1)
        {
            Columns(matrix, rows, width, 0, width, result);
            return;
        }
        var perPart = ((width + parts - 1) / parts + Quantum - 1) / Quantum * Quantum;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            var first = part * perPart;
            var count = Math.Min(perPart, width - first);
            if (count > 0)
                Columns(matrix, rows, width, first, count, result);
        });
    }

    private static void Columns(float[] matrix, int rows, int width, int first, int count, float[] result)
    {
        var sums = result.AsSpan(first, count);
        sums.Clear();
        for (var r = 0; r < rows; r++)
            TensorPrimitives.Add(sums, matrix.AsSpan(r * width + first, count), sums);
    }
}
