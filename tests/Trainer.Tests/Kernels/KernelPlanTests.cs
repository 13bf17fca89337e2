using System.Runtime.Intrinsics;
using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Kernels;

/// <summary>
/// The kernel plan follows from the machine's caches, and every plan, with either vector width, gives the same bits:
/// products on odd shapes (transposed A, hidden sizes off the tile width), batch-1 walks, and whole training runs.
/// </summary>
public class KernelPlanTests
{
    private static readonly CpuCaches Small = new(32 << 10, 256 << 10, 8 << 20, "test");

    // The extremes every choice can take, besides the plan detected on this machine.
    private static IEnumerable<KernelPlan> Plans() =>
    [
        KernelPlan.Detected,
        KernelPlan.For(Small) with { DepthBlock = 64, PackedARows = 64, PackTransposedAFromStrideBytes = 0, AlternateWalkAboveBytes = 0 },
        KernelPlan.For(Small) with { DepthBlock = 512, PackedARows = 4096, AlternateWalkAboveBytes = long.MaxValue },
        KernelPlan.For(Small) with { DepthBlock = 128, PackedARows = 72, PackTransposedAFromStrideBytes = 256, TileRows = 4 },
        KernelPlan.For(Small) with { PackTransposedAFromStrideBytes = 0, TileRows = 8, PanelWidth = 16 },
        KernelPlan.For(Small) with { PackTransposedAFromStrideBytes = 0, TileRows = 6, DepthBlock = 64, PackedARows = 72 },
        KernelPlan.For(Small) with { TileRows = 6, PanelWidth = 32 },
        KernelPlan.For(Small) with { TransposedADepthBlock = 0, PackTransposedAFromStrideBytes = long.MaxValue },
        KernelPlan.For(Small) with { TransposedADepthBlock = 64, TileRows = 8, PackTransposedAFromStrideBytes = long.MaxValue },
    ];

    [Fact]
    public void The_plan_follows_the_caches_that_sysfs_describes()
    {
        using var directory = new TempCacheDirectory();
        directory.Add(0, 1, "Data", "48K", "0");
        directory.Add(1, 1, "Instruction", "32K", "0");
        directory.Add(2, 2, "Unified", "2048K", "0");
        directory.Add(3, 3, "Unified", "105M", "0-1");
        var caches = CpuCaches.Detect(directory.Path);
        Assert.Equal((48 << 10, 2 << 20, 105 << 19), (caches.L1DataBytes, caches.L2Bytes, caches.L3Bytes));
        var plan = KernelPlan.For(caches);
        // A 32-column strip of 256 rows (a 16-column one of 512 rows, on a 256-bit machine) is 32 KiB, two thirds of
        // 48 KiB; 1024 (512) rows of A that deep are 1 MiB, half of L2; a W beyond half of L1d is walked alternately.
        var wide = Vector512.IsHardwareAccelerated;
        Assert.Equal(wide ? 32 : 16, plan.PanelWidth);
        Assert.Equal((wide ? 256 : 512, wide ? 1024 : 512, 24L << 10),
            (plan.DepthBlock, plan.PackedARows, plan.AlternateWalkAboveBytes));
        // Eight-row tiles need 19 vector registers: only where the JIT has 32 (AVX-512); six-row ones need 15.
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? 8 : 6, plan.TileRows);

        // Two hardware threads sharing one core's 32 KiB L1d and 512 KiB L2 get half of each.
        using var shared = new TempCacheDirectory();
        shared.Add(0, 1, "Data", "32K", "0,1");
        shared.Add(1, 2, "Unified", "512K", "0-1");
        var smaller = KernelPlan.For(CpuCaches.Detect(shared.Path));
        Assert.Equal((wide ? 64 : 128, wide ? 512 : 256, 8L << 10), (smaller.DepthBlock, smaller.PackedARows, smaller.AlternateWalkAboveBytes));
    }

    [Fact]
    public void A_direction_splits_its_sequences_over_threads_only_where_it_lowers_the_busiest_workers_tiles()
    {
        var plan = KernelPlan.For(Small);
        Assert.Equal(4, plan.RecurrentTileRows);
        // rows, threads -> parts: 2 + 2 would pad two tiles for one tile's work; 3 + 3 beats a tile and two single rows.
        var cases = new[] { (64, 2, 2), (8, 2, 2), (6, 2, 2), (5, 2, 2), (4, 2, 1), (3, 2, 1), (1, 2, 1), (0, 2, 1),
            (12, 3, 3), (9, 4, 3), (64, 1, 1) };
        Assert.All(cases, c => Assert.Equal(c.Item3, plan.RecurrentParts(c.Item1, c.Item2)));
        Assert.Equal(4, (plan with { RecurrentTileRows = 0 }).RecurrentParts(5, 4));
        Assert.Contains(plan.Describe(), line => line.Contains("batch 4 runs as 1 part, batch 6 as 2, batch 64 as 2"));
    }

    [Fact]
    public void Without_a_cache_description_the_tuned_sizes_stand_in()
    {
        Assert.Same(CpuCaches.Assumed, CpuCaches.Detect("/nonexistent/cache"));
        Assert.Equal(Vector512.IsHardwareAccelerated ? 256 : 512, KernelPlan.For(CpuCaches.Assumed).DepthBlock);
        Assert.Equal((48L << 10, 2L << 20, 0L), (CpuCaches.ParseSize("48K"), CpuCaches.ParseSize("2M"), CpuCaches.ParseSize("x")));
        Assert.Equal((1, 2, 6), (CpuCaches.CountCpus("3"), CpuCaches.CountCpus("0-1"), CpuCaches.CountCpus("0,2,4-7")));
    }

    [Fact]
    public void The_calibration_is_measured_once_per_machine_and_kept_under_its_key()
    {
        using var directory = new TempCacheDirectory();
        var file = Path.Combine(directory.Path, "calibration.txt");
        var plan = KernelPlan.For(CpuCaches.Assumed);
        var (first, origin) = KernelCalibration.Apply(plan, file, keepUnsteady: true);
        Assert.StartsWith("calibrated now (H = 512 (k-stride 8 KiB): packed ", origin);
        var lines = File.ReadAllLines(file);
        Assert.StartsWith("format=6;cpu=", lines[0]);
        Assert.Contains(";l2=1048576;", lines[0]);
        Assert.StartsWith("pack_from_stride_bytes=", lines[1]);

        var (again, originAgain) = KernelCalibration.Apply(plan, file);
        Assert.StartsWith("calibrated earlier (H = 512", originAgain);
        Assert.Equal(first.PackTransposedAFromStrideBytes, again.PackTransposedAFromStrideBytes);

        // A verdict stored for other caches (another machine) is measured again, and a stored verdict is obeyed.
        File.WriteAllLines(file, [lines[0], "pack_from_stride_bytes=2048", "note"]);
        Assert.Equal(2048, KernelCalibration.Apply(plan, file).Plan.PackTransposedAFromStrideBytes);
        var otherMachine = lines[0].Replace(";l2=1048576;", ";l2=2097152;");
        File.WriteAllLines(file, [otherMachine, "pack_from_stride_bytes=2048", "note"]);
        Assert.StartsWith("calibrated now", KernelCalibration.Apply(plan, file, keepUnsteady: true).Origin);

        // The file keeps one verdict per key (an AVX-512 CPU run at both widths keeps both): the other machine's
        // entry stays beside this one's, and each is read under its own key.
        var entries = File.ReadAllLines(file);
        Assert.Equal(6, entries.Length);
        Assert.Equal((lines[0], otherMachine, "pack_from_stride_bytes=2048"), (entries[0], entries[3], entries[4]));
        Assert.StartsWith("calibrated earlier", KernelCalibration.Apply(plan, file).Origin);
    }

    public static TheoryData<int, int, int, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool>();
        // m, n, k, A transposed: weight-gradient shapes (Aᵀ, many rows, eight panels or more, with column tails),
        // hidden sizes 24, 20 and 40 off the tile width, row tails of 1–7, depths across several blocks.
        foreach (var (m, n, k) in new[] { (96, 512, 300), (77, 296, 300), (40, 24, 130), (13, 20, 70), (8, 40, 1030),
                     (4, 64, 65), (150, 264, 257), (24, 128, 40) })
        {
            data.Add(m, n, k, true);
            data.Add(m, n, k, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_plan_and_width_gives_the_same_bits(int m, int n, int k, bool transposedA)
    {
        var a = KernelData.Random(m * k, 11);
        var b = KernelData.Random(k * n, 12);
        var initial = KernelData.Random(m * n, 13);
        int rowStride = transposedA ? 1 : k, colStride = transposedA ? m : 1;
        float[]? expected = null;
        foreach (var narrow in new[] { false, true })
        {
            foreach (var plan in Plans())
            {
                var c = (float[])initial.Clone();
                VectorWidth.Force256 = narrow;
                try
                {
                    using (KernelPlan.Use(plan))
                        Gemm.Multiply(new MatrixView(a, m, k, rowStride, colStride), MatrixView.RowMajor(b, k, n),
                            new MatrixSpan(c, m, n), accumulate: true);
                }
                finally
                {
                    VectorWidth.Force256 = false;
                }
                expected ??= c;
                Assert.Equal(expected, c);
            }
        }
    }

    [Theory]
    [InlineData(1, 24, 40)]
    [InlineData(3, 40, 17)]
    [InlineData(64, 128, 300)]
    [InlineData(9, 100, 513)]
    public void Every_panel_width_gives_the_same_bits_with_either_vector_width(int m, int hidden, int k)
    {
        var n = 4 * hidden;
        var w = KernelData.Random(n * k, 16);
        var h = KernelData.Random(m * k, 17);
        var transposed = new float[k * n];
        for (var j = 0; j < n; j++)
        {
            for (var p = 0; p < k; p++)
                transposed[p * n + j] = w[j * k + p];
        }
        var expected = new float[m * n];
        Gemm.Multiply(MatrixView.RowMajor(h, m, k), MatrixView.RowMajor(transposed, k, n), new MatrixSpan(expected, m, n),
            accumulate: false);
        foreach (var panelWidth in new[] { 16, 32 })
        {
            var packed = new PackedMatrix(k, n, hidden, panelWidth);
            packed.PackTransposeOf(w);
            foreach (var narrow in new[] { false, true })
            {
                var c = new float[m * n];
                VectorWidth.Force256 = narrow;
                try
                {
                    Gemm.Multiply(MatrixView.RowMajor(h, m, k), packed, new MatrixSpan(c, m, n), accumulate: false,
                        descending: true);
                }
                finally
                {
                    VectorWidth.Force256 = false;
                }
                Assert.Equal(expected, c);
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new PackedMatrix(k, n, hidden, panelWidth: 8));
    }

    [Theory]
    [InlineData(24)]
    [InlineData(512)]
    public void Batch_one_walks_give_the_same_bits_whichever_way_the_plan_chooses(int hidden)
    {
        var w = KernelData.Random(4 * hidden * hidden, 14);
        var packed = new PackedMatrix(hidden, 4 * hidden, hidden);
        packed.PackTransposeOf(w);
        var h = KernelData.Random(hidden, 15);
        float[]? expected = null;
        foreach (var plan in Plans())
        {
            foreach (var descending in new[] { false, true })
            {
                var c = new float[4 * hidden];
                using (KernelPlan.Use(plan))
                    Gemm.Multiply(MatrixView.RowMajor(h, 1, hidden), packed, new MatrixSpan(c, 1, 4 * hidden), accumulate: false,
                        descending);
                expected ??= c;
                Assert.Equal(expected, c);
            }
        }
    }

    [Theory]
    [InlineData(RecurrentCellKind.Lstm)]
    [InlineData(RecurrentCellKind.Gru)]
    public void Training_and_prediction_give_the_same_bits_under_every_plan(RecurrentCellKind cell)
    {
        // One thread, so every product runs on this thread under the forced plan. H = 24 and 264 inputs reach the
        // narrow column tiles (dW_hh, the steps) and the packed transposed A (dW_xh).
        var data = EngineFixtures.NumericData(48, 264, [9, 5, 12], HeadKind.MultiClass, 3, seed: 4);
        SequenceModel? first = null;
        foreach (var plan in Plans())
        {
            using var scope = KernelPlan.Use(plan);
            var model = new SequenceModelTrainer(new SequenceModelOptions
            {
                Cell = cell,
                HiddenSize = 24,
                Epochs = 2,
                BatchSize = 24,
                Seed = 3,
                Threads = 1,
            }).Fit(data);
            var prediction = model.Predict(data.Examples[0]);
            if (first is null)
            {
                first = model;
                continue;
            }
            for (var i = 0; i < model.Parameters.Count; i++)
                Assert.Equal(first.Parameters[i].Value, model.Parameters[i].Value);
            Assert.Equal(first.Predict(data.Examples[0]).Probabilities, prediction.Probabilities);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_joint_weight_gradient_product_gives_the_bits_of_the_two_products(int threads)
    {
        // An LSTM of two bidirectional layers (I + H = 29 and 72, padded to whole panels, within 4H = 96) on 24 rows
        // of uneven lengths: every training step runs the one-product step and keeps [x_t | h_{t-1}].
        var data = EngineFixtures.NumericData(24, 5, [9, 5, 12], HeadKind.MultiClass, 3, seed: 6);
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 24,
            Layers = 2,
            Bidirectional = true,
            BatchSize = 24,
            Seed = 2,
            Threads = threads,
        };
        float[][] Gradients(bool joint)
        {
            using var scope = KernelPlan.Use(KernelPlan.Detected with { JointWeightGradients = joint });
            var network = new SequenceModelTrainer(options).Initialize(data).Network;
            var batch = new SequenceBatch();
            batch.Fill(data.Examples, Enumerable.Range(0, data.Count).ToArray(), data.FeatureCount);
            network.ComputeGradients(batch, null, null, threads);
            Assert.All(network.Layers.SelectMany(l => l), d => Assert.Equal(joint, d.KeptStepInputs));
            return [.. network.Parameters.Select(p => p.Gradient.ToArray())];
        }
        var joint = Gradients(joint: true);
        var separate = Gradients(joint: false);
        Assert.Equal(separate.Length, joint.Length);
        for (var i = 0; i < joint.Length; i++)
            Assert.Equal(separate[i], joint[i]);
        Assert.Contains(joint, g => g.Any(v => v != 0));
    }

    private sealed class TempCacheDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cache-").FullName;

        public void Add(int index, int level, string type, string size, string shared)
        {
            var directory = Directory.CreateDirectory(System.IO.Path.Combine(Path, $"index{index}")).FullName;
            File.WriteAllText(System.IO.Path.Combine(directory, "level"), $"{level}\n");
            File.WriteAllText(System.IO.Path.Combine(directory, "type"), $"{type}\n");
            File.WriteAllText(System.IO.Path.Combine(directory, "size"), $"{size}\n");
            File.WriteAllText(System.IO.Path.Combine(directory, "shared_cpu_list"), $"{shared}\n");
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
