using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Kernels;

/// <summary>The matrix product against a naive double-precision one, on odd shapes, strides and offsets.</summary>
public class GemmTests
{
    public static TheoryData<int, int, int, bool, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        foreach (var (m, n, k) in new[] { (1, 1, 1), (1, 7, 17), (7, 17, 33), (17, 33, 7), (33, 513, 17), (4, 32, 300),
                     (5, 130, 513), (1, 512, 128), (3, 48, 9), (64, 28, 1792), (12, 64, 40), (9, 300, 2), (20, 70, 300) })
        {
            foreach (var transposedA in new[] { false, true })
            {
                foreach (var narrow in new[] { false, true })
                    data.Add(m, n, k, transposedA, narrow);
            }
        }
        return data;
    }

    // narrow: the 256-bit kernels, which machines without AVX-512 run, forced on this one.
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_a_naive_product_for_any_shape_and_either_layout_of_A(int m, int n, int k, bool transposedA, bool narrow)
    {
        VectorWidth.Force256 = narrow;
        try
        {
            CheckAgainstNaive(m, n, k, transposedA);
        }
        finally
        {
            VectorWidth.Force256 = false;
        }
    }

    private static void CheckAgainstNaive(int m, int n, int k, bool transposedA)
    {
        // Offsets of one element make every span unaligned.
        var a = KernelData.Random(m * k + 1, 1);
        var b = KernelData.Random(k * n + 1, 2);
        var c = KernelData.Random(m * n + 1, 3);
        var expected = new double[m * n];
        int rowStride = transposedA ? 1 : k, colStride = transposedA ? m : 1;
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = c[1 + i * n + j];
                for (var p = 0; p < k; p++)
                    sum += (double)a[1 + i * rowStride + p * colStride] * b[1 + p * n + j];
                expected[i * n + j] = sum;
            }
        }
        Gemm.Multiply(new MatrixView(a.AsSpan(1), m, k, rowStride, colStride), MatrixView.RowMajor(b.AsSpan(1), k, n),
            new MatrixSpan(c.AsSpan(1), m, n), accumulate: true);
        for (var i = 0; i < m * n; i++)
            Assert.True(Math.Abs(expected[i] - c[1 + i]) <= 1e-5 * Math.Sqrt(k) + 1e-6, $"element {i}: {c[1 + i]} vs {expected[i]}");
    }

    [Fact]
    public void Every_row_is_bit_identical_whatever_block_or_thread_computes_it()
    {
        const int m = 37, n = 150, k = 300;
        var a = KernelData.Random(m * k, 4);
        var b = KernelData.Random(k * n, 5);
        var whole = new float[m * n];
        Gemm.Multiply(MatrixView.RowMajor(a, m, k), MatrixView.RowMajor(b, k, n), new MatrixSpan(whole, m, n),
            accumulate: false);
        var parallel = new float[m * n];
        Gemm.MultiplyParallel(StridedMatrix.RowMajor(a, m, k), StridedMatrix.RowMajor(b, k, n),
            StridedMatrix.RowMajor(parallel, m, n), accumulate: false, threads: 2);
        Assert.Equal(whole, parallel);
        for (var i = 0; i < m; i++)
        {
            var row = new float[n];
            Gemm.Multiply(MatrixView.RowMajor(a, m, k).RowRange(i, 1), MatrixView.RowMajor(b, k, n), new MatrixSpan(row, 1, n),
                accumulate: false);
            Assert.Equal(whole.AsSpan(i * n, n).ToArray(), row);
        }
    }

    [Fact]
    public void Products_in_one_hand_off_are_bit_identical_to_the_products_one_by_one()
    {
        // The GRU's weight gradients at a small scale: one split by columns (few rows), two by rows, one too small to
        // split; on the step helpers and on the thread pool.
        (int M, int N, int K)[] shapes = [(28, 384, 900), (256, 128, 900), (128, 128, 900), (8, 16, 20)];
        var inputs = shapes.Select((s, i) => (A: KernelData.Random(s.K * s.M, (ulong)(10 + i)),
            B: KernelData.Random(s.K * s.N, (ulong)(20 + i)))).ToArray();
        var expected = shapes.Select((s, i) =>
        {
            var c = new float[s.M * s.N];
            Gemm.Multiply(MatrixView.RowMajor(inputs[i].A, s.K, s.M).Transposed, MatrixView.RowMajor(inputs[i].B, s.K, s.N),
                new MatrixSpan(c, s.M, s.N), accumulate: false);
            return c;
        }).ToArray();
        using var team = new StepWorkers(1);
        foreach (var onTeam in new[] { true, false })
        {
            var results = shapes.Select(s => KernelData.Random(s.M * s.N, 30)).ToArray(); // overwritten, not added to
            using (StepWorkers.Enter(onTeam ? team : null))
                Gemm.MultiplyParallel(shapes.Select((s, i) => (StridedMatrix.RowMajor(inputs[i].A, s.K, s.M).Transposed,
                    StridedMatrix.RowMajor(inputs[i].B, s.K, s.N), StridedMatrix.RowMajor(results[i], s.M, s.N))).ToArray(),
                    threads: 2);
            for (var i = 0; i < shapes.Length; i++)
                Assert.Equal(expected[i], results[i]);
        }
        Assert.Equal(1, team.HandOffs);
    }

    [Fact]
    public void Short_spans_are_refused_with_the_matrix_named()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(MatrixView.RowMajor(new float[5], 3, 3), MatrixView.RowMajor(new float[9], 3, 3),
                new MatrixSpan(new float[9], 3, 3), accumulate: false));
        Assert.Contains("Matrix a needs 9 elements but has 5", error.Message);
    }
}
