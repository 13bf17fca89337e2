using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The blocking choices of the matrix kernels, made once per process from the CPU it runs on: its vector width and
/// its cache sizes (<see cref="CpuCaches"/>). Every choice only reorders whole FMA chains or copies operands, never
/// the order of the terms inside an element's chain, so every plan gives the same bits (the kernel tests run each).
/// </summary>
internal sealed record KernelPlan
{
    /// <summary>Rows of the tall two-vector register tiles, before four-row ones take the rows left: 8 (sixteen
    /// accumulators) where the JIT has 32 vector registers (AVX-512); 6 where it has 16 (AVX2): eight rows there would
    /// need 19 registers and spill, six need 15 and run twelve FMA chains, four run only eight. 4: four-row tiles
    /// only (the tile before the AVX2 one; tests and `bench --kernels` compare it).</summary>
    public required int TileRows { get; init; }

    /// <summary>Columns of a packed weight panel: two vectors of the machine's width (32 with AVX-512, 16 with AVX2),
    /// so a tile pair reads a panel's rows back to back without copying them again.</summary>
    public required int PanelWidth { get; init; }

    /// <summary>K, in rows of B, that one pass of the tiles covers: a packed strip of B, DepthBlock × PanelWidth
    /// floats, takes about two thirds of L1d and stays there while every row tile walks down it.</summary>
    public required int DepthBlock { get; init; }

    /// <summary>Rows of A copied into one contiguous block (row tile after row tile, each walking down k) when A is
    /// read transposed; the block, PackedARows × DepthBlock floats, takes about half of L2.</summary>
    public required int PackedARows { get; init; }

    /// <summary>A transposed A (the weight-gradient products, Σ_t ∂L/∂zᵀ·h) is copied into row tiles first when
    /// its elements of one k lie at least this many bytes apart (the gates' width: 2 KiB for the LSTM at H = 128,
    /// 1.5 KiB for the GRU, 512 B for the tanh RNN, 8 KiB for the LSTM at H = 512);
    /// <see cref="long.MaxValue"/>: never. Whether the copy pays depends on how the caches and prefetchers take the
    /// strides, so <see cref="KernelCalibration"/> measures it.</summary>
    public required long PackTransposedAFromStrideBytes { get; init; }

    /// <summary>K, in rows of B, of one pass over a transposed A read in place, whose row tiles then each walk every
    /// panel of B (<c>Gemm.TransposedRowsFirst</c>): a tile touches one line of A per k, so a quarter of L1d in lines
    /// (128 with 32 KiB) and a panel as deep leave room in L1d. 0: panel by panel at <see cref="DepthBlock"/> (the
    /// walk before; tests and `bench --kernels` compare it).</summary>
    public required int TransposedADepthBlock { get; init; }

    /// <summary>Whether a transposed A with this k-stride (in floats) is packed.</summary>
    public bool PacksTransposedA(int columnStride) => (long)columnStride * sizeof(float) >= PackTransposedAFromStrideBytes;

    /// <summary>A batch-1 product alternates its walk over B's panels (so the panels read last, still in the nearest
    /// cache, come first) when B is larger than this: half of L1d, beyond which B cannot stay in L1 whichever way it is
    /// walked. Measured: W_hh of 256 KiB at H = 128 fits L2, yet walking it one way made batch-1 inference 0.72–0.76
    /// of ONNX Runtime's latency against 0.67–0.69 alternating; at H = 512 (4 MiB) the walk saves L2 a third of W's
    /// reads from L3 (more where L2 is larger).</summary>
    public required long AlternateWalkAboveBytes { get; init; }

    /// <summary>The rows a worker's per-step product pads its last rows to (the smallest register tile, four): a
    /// direction's time loop is split over threads only where that lowers the tiles the busiest worker runs. A part
    /// of two rows costs a whole padded tile that streams all of W_hh, so batch 4 on two threads runs as one part of
    /// four (1.5–1.6× the training speed of two parts of two at H = 128 and 512), while batch 6 runs as two parts of
    /// three (1.15× and more against one part of six) and batch 8 as two of four. Measured on the AMD EPYC (2 cores,
    /// busy machine) with `recurrent bench --threads 2`, the rules' builds alternating. 0: one part per thread
    /// whatever the rows (the rule before; tests use it to reach a worker left without rows).</summary>
    public required int RecurrentTileRows { get; init; }

    /// <summary>Whether a training pass of the one-product step keeps every step's [x_t | h_{t-1}] so that dW_xh and
    /// dW_hh are one product over them (G·H rows of C, split between the threads) instead of two, dW_xh's with only I
    /// rows (split by columns and then transposed). The same FMA chains either way. Measured on the AMD EPYC (Zen 3,
    /// AVX2), LSTM T=28 I=28 H=128 B=64 on one thread: the two weight-gradient products 4.6–5.1 ms, the joint one
    /// 4.3–4.9 (fastest and median of 40 alternating rounds). false: two products (the way before; tests compare).</summary>
    public bool JointWeightGradients { get; init; } = true;

    /// <summary>Whether an LSTM inference step computes its gates while each register tile of [x_t | h_{t-1}]·W is
    /// in the cache (<see cref="LstmGateTile"/>: the tile's pre-activations never reach the [B, 4H] buffer the gate
    /// pass would read back), where every worker has four rows or more. The same FMA chains and gate arithmetic, so
    /// the same bits. false: the one product, then the gate pass (the way before; tests and the bench compare).</summary>
    public bool FusedLstmInference { get; init; } = true;

    /// <summary>Whether <see cref="LstmGateTile"/> runs 6-row tiles of all four gates in registers where a block is
    /// a 512-bit vector (32 registers): x_t and h_{t-1} broadcast once per k for all four gates. false: the buffered pair
    /// tiles, as on the AVX2 path (tests and the bench compare).</summary>
    public bool LstmRegisterTiles { get; init; } = true;

    /// <summary>Workers for a direction's time loop over <paramref name="rows"/> sequences with up to
    /// <paramref name="threads"/> threads: the fewest that give the busiest worker the fewest
    /// <see cref="RecurrentTileRows"/>-row tiles.</summary>
    public int RecurrentParts(int rows, int threads)
    {
        if (RecurrentTileRows == 0)
            return Math.Clamp(threads, 1, Math.Max(1, rows));
        int Tiles(int parts) => ((rows + parts - 1) / parts + RecurrentTileRows - 1) / RecurrentTileRows;
        var best = 1;
        for (var parts = 2; parts <= Math.Min(threads, rows); parts++)
        {
            if (Tiles(parts) < Tiles(best))
                best = parts;
        }
        return best;
    }

    /// <summary>What the plan was made from, for `recurrent bench --kernels`.</summary>
    public required CpuCaches Caches { get; init; }

    /// <summary>The plan for this machine, detected on first use.</summary>
    public static KernelPlan Detected => LazyDetected.Value;

    private static readonly Lazy<KernelPlan> LazyDetected = new(() =>
    {
        var (plan, origin) = KernelCalibration.Apply(For(CpuCaches.Detect()));
        return plan with { PackingOrigin = origin };
    });

    /// <summary>How <see cref="PackTransposedAFromStrideBytes"/> was decided.</summary>
    public string PackingOrigin { get; init; } = "not calibrated";

    [ThreadStatic]
    private static KernelPlan? _override;

    /// <summary>The plan the kernels on this thread follow: the detected one unless a test forced another.</summary>
    public static KernelPlan Active => _override ?? Detected;

    /// <summary>The plan a test forced on the calling thread, or null.</summary>
    internal static KernelPlan? Overridden => _override;

    /// <summary>Runs the kernels of the calling thread with <paramref name="plan"/> until disposed (tests).</summary>
    internal static IDisposable Use(KernelPlan plan)
    {
        var previous = _override;
        _override = plan;
        return new Restore(previous);
    }

    private sealed class Restore(KernelPlan? previous) : IDisposable
    {
        public void Dispose() => _override = previous;
    }

    /// <summary>The plan that follows from <paramref name="caches"/>.</summary>
    public static KernelPlan For(CpuCaches caches)
    {
        var panelWidth = Vector512.IsHardwareAccelerated ? 32 : 16;
        var depth = RoundDown(caches.L1DataBytes * 2 / 3 / (panelWidth * sizeof(float)), 64);
        depth = Math.Clamp(depth, 64, 512);
        var rows = RoundDown(caches.L2Bytes / 2 / (depth * sizeof(float)), 8);
        return new KernelPlan
        {
            TileRows = Avx512F.IsSupported ? 8 : 6,
            RecurrentTileRows = 4,
            PanelWidth = panelWidth,
            DepthBlock = depth,
            PackedARows = Math.Clamp(rows, 64, 4096),
            TransposedADepthBlock = Math.Clamp(RoundDown(caches.L1DataBytes / 4 / 64, 32), 64, 256),
            PackTransposedAFromStrideBytes = long.MaxValue,
            AlternateWalkAboveBytes = caches.L1DataBytes / 2,
            Caches = caches,
        };
    }

    private static int RoundDown(int value, int multiple) => value / multiple * multiple;

    /// <summary>The vector width the kernels run, with what decided it.</summary>
    public static string VectorDescription =>
        VectorWidth.Use512 ? "512-bit (Vector512 hardware-accelerated: AVX-512)"
        : Avx2.IsSupported && Fma.IsSupported ? "256-bit (AVX2 + FMA)"
        : Vector256.IsHardwareAccelerated ? "256-bit (hardware-accelerated, no FMA instruction: FMA emulated)"
        : "256-bit in software (no AVX2: slow)";

    /// <summary>One line per choice and the facts it follows from.</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"vector width: {VectorDescription}";
        yield return $"caches per core: L1d {Caches.L1DataBytes >> 10} KiB, L2 {Caches.L2Bytes >> 10} KiB, " +
                     $"L3 share {Caches.L3Bytes >> 10} KiB (from {Caches.Source})";
        var columns = 2 * (VectorWidth.Use512 ? 16 : 8);
        yield return $"register tiles: {(TileRows == 4 ? $"4×{columns}" : $"{TileRows}×{columns} and 4×{columns}")} " +
                     $"({(Avx512F.IsSupported ? "32 vector registers" : "16 vector registers")}); 8×{columns / 2} and 4×{columns / 2} " +
                     $"for a last single vector of columns, {(VectorWidth.Use512 ? "then 8-column ones, " : "")}then scalar";
        yield return $"packed weight panels: {PanelWidth} columns";
        yield return $"depth block: {DepthBlock} rows of B (a packed {PanelWidth}-column strip of {DepthBlock * PanelWidth * sizeof(float) >> 10} KiB in L1d)";
        var packing = PackTransposedAFromStrideBytes == long.MaxValue ? "read in place"
            : $"packed in blocks of {PackedARows} rows ({PackedARows * DepthBlock * sizeof(float) >> 10} KiB in L2) when its " +
              $"k-stride is at least {(PackTransposedAFromStrideBytes % 1024 == 0 ? $"{PackTransposedAFromStrideBytes >> 10} KiB" : $"{PackTransposedAFromStrideBytes} B")} and 128 columns of B or more share the copy, else read in place";
        yield return $"transposed A: {packing}; {PackingOrigin}; read in place, " +
                     (TransposedADepthBlock > 0
                         ? $"each row tile walks every panel of B, {TransposedADepthBlock} deep (its k lines, {TransposedADepthBlock * 64 >> 10} KiB, beside a panel in L1d)"
                         : "panel by panel");
        yield return $"batch-1 walk over packed W: alternating direction each step when W exceeds {AlternateWalkAboveBytes >> 10} KiB " +
                     $"(half of L1d), else one way; the panels last read are still in L1/L2 ({Caches.L2Bytes >> 10} KiB) when the next step starts";
        yield return $"weight gradients: {(JointWeightGradients ? "dW_xh and dW_hh as one product over the kept [x_t | h_{t-1}] where training runs the one-product step and those rows are no wider than 4H, else two" : "two products")}";
        var gateTiles = VectorWidth.Use512 && LstmRegisterTiles
            ? $"6- and 4-row tiles of {columns / 2} units × all 4 gates held in registers (24 or 16 accumulators)"
            : $"{TileRows}-row tiles of {columns / 2} units × 4 gates as two {TileRows}×{columns} register tiles, i and o then f and g, into a {TileRows}×{2 * columns} buffer in L1d";
        yield return $"LSTM inference: {(FusedLstmInference ? $"gates computed from each tile of the product ({gateTiles}) where a worker has 4 rows or more" : "one product per step, then the gate pass")}";
        yield return $"thread split: rows of C in parts of at least 16 rows, when a product has at least 2^18 multiply-adds; " +
                     $"recurrent steps split by sequences, one part per thread where that lowers the {RecurrentTileRows}-row tiles " +
                     $"of the busiest worker (on 2 threads batch 4 runs as {RecurrentParts(4, 2)} part, batch 6 as " +
                     $"{RecurrentParts(6, 2)}, batch 64 as {RecurrentParts(64, 2)})";
    }
}
