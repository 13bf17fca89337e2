using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// One LSTM inference step with the gates computed while the product's tile is still in L1d: for each block of
/// <see cref="PackedGatePanels.Units"/> units and each tile of rows, z = b + [x_t | h_{t-1}]·[W_xhᵀ ; W_hhᵀ] for
/// the four gates of those units, then σ, tanh, c_t = f ⊙ c_{t-1} + i ⊙ g and h_t = o ⊙ tanh c_t, writing only
/// h_t and c_t. The step's [B, 4H] pre-activations are never written out and read back, x_t and h_{t-1} are read
/// where they lie (no copy side by side), and the bias goes to a tile, not to the whole buffer.
/// </summary>
/// <remarks>
/// <para>Shapes, from a CPU with 16 vector registers (AVX2) and 32 KiB of L1d: a tile is 6 rows (the plan's
/// <see cref="KernelPlan.TileRows"/>; 8 with AVX-512's 32 registers) × 8 units × 4 gates, run as two of the
/// product's register tiles of 6 rows × 2 vectors (twelve accumulators, two vectors of B and a broadcast in 15
/// registers, the tile the 256-bit product already runs without a spill): i and o, then f and g, into a buffer of
/// 6 × 32 floats (768 bytes) that stays in L1d for the gates. Twelve accumulators for all four gates of three rows
/// would need 17 registers with the broadcast and B, and the gates' σ and tanh need more registers than the
/// accumulators leave, so the buffer costs a store and a load per element where registers would spill anyway. With
/// AVX-512's 32 registers a tile holds all four gates of 6 or 4 rows instead (LstmGateTile.Registers.cs).</para>
/// <para>Blocks are walked outside and tiles inside, so a block's two panels ((I + H) × 8 × 4 floats: 20 KiB at
/// I = 28, H = 128) stay in L1d while every row tile reads them, and the rows of x_t and h_{t-1} (40 KiB for 64 rows)
/// come from L2 once per block; the other way round the whole of W (320 KiB) would pass through L1d for every tile.
/// At H = 512 (K = 576, 72 KiB a block) a block is read from L2 by every tile: measured against the depth-blocked
/// product in docs/performance.md.</para>
/// <para>Bits: every pre-activation is the product's FMA chain (bias, x_t's terms, then h_{t-1}'s, k ascending) and
/// the gates use <see cref="Activations"/> with the gate pass's operations in its order, so h_t and c_t are those of
/// the training forward pass. Rows after the last whole tile run as a four-row tile over the last four rows: rows
/// computed twice get the same values again (h_t and c_t must not overlap h_{t-1} and c_{t-1}).</para>
/// </remarks>
internal static partial class LstmGateTile
{
    /// <summary>The fewest rows a step runs (one four-row tile).</summary>
    public const int MinimumRows = 4;

    [ThreadStatic]
    private static float[]? _tiles, _edge;

    /// <summary>
    /// h_t and c_t [rows, H] of <paramref name="rows"/> rows from x_t [rows, I] (row stride
    /// <paramref name="inputStride"/>), h_{t-1} and c_{t-1} [rows, H].
    /// </summary>
    public static void Step(PackedGatePanels weights, ReadOnlySpan<float> input, int inputStride,
        ReadOnlySpan<float> previousState, ReadOnlySpan<float> previousCell, Span<float> state, Span<float> cell, int rows)
    {
        int inputs = weights.Inputs, hidden = weights.Hidden;
        if (rows < MinimumRows)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"A step runs {MinimumRows} rows or more.");
        if (inputStride < inputs || input.Length < (rows - 1) * inputStride + inputs)
            throw new ArgumentException($"x_t needs {rows} rows of {inputs} with stride {inputStride}.", nameof(input));
        var length = rows * hidden;
        if (previousState.Length < length || previousCell.Length < length || state.Length < length || cell.Length < length)
            throw new ArgumentException($"h and c need {rows} × {hidden} elements each.");
        state = state[..length];
        cell = cell[..length];
        if (state.Overlaps(previousState[..length]) || state.Overlaps(previousCell[..length])
            || cell.Overlaps(previousState[..length]) || cell.Overlaps(previousCell[..length])
            || state.Overlaps(cell) || state.Overlaps(input) || cell.Overlaps(input))
            throw new ArgumentException("h_t and c_t must not overlap h_{t-1}, c_{t-1}, x_t or each other.");
        var plan = KernelPlan.Active;
        // Deeper than a depth block, a block's tiles keep partial sums for all the worker's rows (8 KiB for 64 rows
        // at 8 units) while one depth block of a panel at a time stays in L1d.
        var split = weights.Depth > plan.DepthBlock;
        // The all-register tile wants 29 vector registers: only where a block is a 512-bit vector (32 registers).
        var registers = plan.LstmRegisterTiles && weights.Units == Vector512<float>.Count;
        // On a cache line, as the gate panels are: the tiles' rows are read and written as whole vectors.
        var tiles = CacheLine.Ensure(ref _tiles, 4 * weights.Units * (split || registers ? Math.Max(rows, 8) : 8));
        var edge = CacheLine.Ensure(ref _edge, 3 * 8 * weights.Units);
        var run = new Run(weights, input, inputStride, previousState, previousCell, state, cell, tiles, edge);
        if (registers)
            run.RegisterBlocks<Vector512Ops, Vector512<float>>(rows, split ? plan.DepthBlock / 2 : 0);
        else if (weights.Units == Vector512<float>.Count)
            run.Blocks<Vector512Ops, Vector512<float>>(rows, plan.TileRows, split ? plan.DepthBlock : 0);
        else
            run.Blocks<Vector256Ops, Vector256<float>>(rows, plan.TileRows, split ? plan.DepthBlock : 0);
    }

    private readonly ref struct Run(PackedGatePanels weights, ReadOnlySpan<float> input, int inputStride,
        ReadOnlySpan<float> previousState, ReadOnlySpan<float> previousCell, Span<float> state, Span<float> cell,
        Span<float> tiles, Span<float> edge)
    {
        private readonly PackedGatePanels _w = weights;
        private readonly int _inputStride = inputStride;
        private readonly ref float _x = ref MemoryMarshal.GetReference(input);
        private readonly ref float _h = ref MemoryMarshal.GetReference(previousState);
        private readonly ref float _c = ref MemoryMarshal.GetReference(previousCell);
        private readonly ref float _hOut = ref MemoryMarshal.GetReference(state);
        private readonly ref float _cOut = ref MemoryMarshal.GetReference(cell);
        private readonly Span<float> _tiles = tiles;
        private readonly Span<float> _edge = edge;

        // Every block of units: with depthBlock 0 each tile from the bias to h_t at once; otherwise every tile's
        // partial sums over one depth block of one panel at a time, then every tile's gates.
        public void Blocks<TOps, TV>(int rows, int tileRows, int depthBlock)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            var tall = tileRows > MinimumRows ? tileRows : 0;
            // Whole tiles cover rows 0..covered−1; a last four-row tile over the last rows takes what is left.
            var covered = tall == 0 ? 0 : rows / tall * tall;
            covered += (rows - covered) / MinimumRows * MinimumRows;
            int width = 4 * TOps.Count, depth = _w.Depth;
            ref var z = ref _tiles[0];
            for (var block = 0; block < _w.Blocks; block++)
            {
                if (depthBlock == 0)
                {
                    for (var i = 0; i < covered; i += TileHeight(i, covered, tall))
                        Tile<TOps, TV>(block, i, TileHeight(i, covered, tall), ref z);
                }
                else
                {
                    FillBias<TOps, TV>(block, covered);
                    for (var pair = 0; pair < 2; pair++)
                        for (var k0 = 0; k0 < depth; k0 += depthBlock)
                            for (var i = 0; i < covered; i += TileHeight(i, covered, tall))
                                Accumulate<TOps, TV>(block, pair, i, TileHeight(i, covered, tall),
                                    ref Unsafe.Add(ref z, (nint)i * width), k0, Math.Min(depth, k0 + depthBlock));
                    for (var i = 0; i < covered; i += TileHeight(i, covered, tall))
                        Finish<TOps, TV>(block, i, TileHeight(i, covered, tall), ref Unsafe.Add(ref z, (nint)i * width));
                }
                if (covered < rows)
                    Tile<TOps, TV>(block, rows - MinimumRows, MinimumRows, ref z);
            }
        }

        // Every block of units in all-register tiles (RegisterTile) of 6 and 4 rows, depth block by depth block (0:
        // at once); odd rows end in a four-row tile over the last rows, and a last block narrower than a vector runs
        // the buffered tiles.
        public void RegisterBlocks<TOps, TV>(int rows, int depthBlock)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            int units = TOps.Count, depth = _w.Depth, hidden = _w.Hidden;
            // The most 6-row tiles that leave a multiple of four rows (64 = 10·6 + 4, 32 = 4·6 + 2·4): no row twice.
            var six = rows / RegisterRows;
            while (six > 0 && (rows - six * RegisterRows) % MinimumRows > 1)
                six--;
            var whole = six * RegisterRows + (rows - six * RegisterRows) / MinimumRows * MinimumRows;
            var step = depthBlock == 0 ? depth : depthBlock;
            ref var z = ref _tiles[0];
            for (var block = 0; block < _w.Blocks; block++)
            {
                if ((block + 1) * units > hidden)
                {
                    // A last block narrower than a vector: its edge handling is the buffered tiles'.
                    for (var i = 0; i + MinimumRows <= rows; i += MinimumRows)
                        Tile<TOps, TV>(block, i, MinimumRows, ref z);
                    if (rows % MinimumRows != 0)
                        Tile<TOps, TV>(block, rows - MinimumRows, MinimumRows, ref z);
                    continue;
                }
                for (var k0 = 0; k0 < depth; k0 += step)
                {
                    var k1 = Math.Min(depth, k0 + step);
                    for (var i = 0; i < whole; i += i < six * RegisterRows ? RegisterRows : MinimumRows)
                        RegisterTile<TOps, TV>(block, i, i < six * RegisterRows, k0, k1);
                }
                if (whole < rows)
                {
                    // The last four rows again, from the bias: rows computed twice get the same values.
                    for (var k0 = 0; k0 < depth; k0 += step)
                        RegisterTile<TOps, TV>(block, rows - MinimumRows, false, k0, Math.Min(depth, k0 + step));
                }
            }
        }

        // One all-register tile of rows first.. over k0..k1 of a block: from the bias at k0 = 0, else from the partial
        // sums in the tile buffer; the gates when k1 is the whole depth.
        private void RegisterTile<TOps, TV>(int block, int first, bool six, int k0, int k1)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            int units = TOps.Count, width = 4 * units, hidden = _w.Hidden;
            ref var panels = ref _w.Block(block);
            ref var bias = ref _w.Bias[block * width];
            nint panelLength = 2 * units * _w.Depth;
            ref var partial = ref _tiles[first * width];
            ref var x = ref Unsafe.Add(ref _x, (nint)first * _inputStride);
            ref var h = ref Unsafe.Add(ref _h, (nint)first * hidden);
            ref var start = ref k0 == 0 ? ref bias : ref partial;
            nint startStride = k0 == 0 ? 0 : width;
            if (six)
                RegisterTile<TOps, TV, SixRows>(ref x, _inputStride, ref h, hidden, _w.Inputs, k0, k1, ref panels,
                    panelLength, ref start, startStride, ref partial);
            else
                RegisterTile<TOps, TV, FourRows>(ref x, _inputStride, ref h, hidden, _w.Inputs, k0, k1, ref panels,
                    panelLength, ref start, startStride, ref partial);
            if (k1 < _w.Depth)
                return;
            nint at = (nint)first * hidden + block * units;
            GateRows<TOps, TV>(ref partial, six ? RegisterRows : MinimumRows, ref Unsafe.Add(ref _c, at),
                ref Unsafe.Add(ref _cOut, at), ref Unsafe.Add(ref _hOut, at), hidden);
        }

        private static int TileHeight(int i, int covered, int tall) => tall > 0 && i + tall <= covered ? tall : MinimumRows;

        // The block's bias as the start of `rows` rows of tiles: four vectors loaded once and stored per row (a span
        // copy per row cost about a twentieth of the step at H = 128, whose tiles take under a microsecond each).
        private void FillBias<TOps, TV>(int block, int rows)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            nint units = TOps.Count, width = 4 * units;
            ref var bias = ref _w.Bias[block * (int)width];
            TV i = TOps.Load(ref bias, 0), o = TOps.Load(ref bias, units);
            TV f = TOps.Load(ref bias, 2 * units), g = TOps.Load(ref bias, 3 * units);
            ref var tiles = ref _tiles[0];
            if (_tiles.Length < rows * width)
                throw new InvalidOperationException("The tile buffer is smaller than its rows.");
            for (nint r = 0; r < rows; r++)
            {
                ref var row = ref Unsafe.Add(ref tiles, r * width);
                TOps.Store(i, ref row, 0);
                TOps.Store(o, ref row, units);
                TOps.Store(f, ref row, 2 * units);
                TOps.Store(g, ref row, 3 * units);
            }
        }

        // Rows first..first+rows of one block at once: the bias into the tile buffer, the products onto it, the gates.
        private void Tile<TOps, TV>(int block, int first, int rows, ref float z)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            FillBias<TOps, TV>(block, rows);
            for (var pair = 0; pair < 2; pair++)
                Accumulate<TOps, TV>(block, pair, first, rows, ref z, 0, _w.Depth);
            Finish<TOps, TV>(block, first, rows, ref z);
        }

        // One pair of gates' pre-activations (i and o: pair 0; f and g: 1) of rows first..first+rows over rows k0..k1
        // of the block's panel: x_t's terms, then h_{t-1}'s.
        private void Accumulate<TOps, TV>(int block, int pair, int first, int rows, ref float z, int k0, int k1)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            int units = TOps.Count, inputs = _w.Inputs, hidden = _w.Hidden, width = 4 * units;
            ref var panel = ref Unsafe.Add(ref _w.Block(block), pair * 2 * units * _w.Depth);
            ref var tile = ref Unsafe.Add(ref z, pair * 2 * units);
            if (k0 < inputs)
            {
                Product<TOps, TV>(rows, ref Unsafe.Add(ref _x, (nint)first * _inputStride + k0), _inputStride,
                    ref Unsafe.Add(ref panel, (nint)k0 * 2 * units), ref tile, width, Math.Min(k1, inputs) - k0);
            }
            if (k1 > inputs)
            {
                var from = Math.Max(k0, inputs);
                Product<TOps, TV>(rows, ref Unsafe.Add(ref _h, (nint)first * hidden + from - inputs), hidden,
                    ref Unsafe.Add(ref panel, (nint)from * 2 * units), ref tile, width, k1 - from);
            }
        }

        // The gates of rows first..first+rows of one block from their pre-activations z, then c_t and h_t.
        private void Finish<TOps, TV>(int block, int first, int rows, ref float z)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            int units = TOps.Count, hidden = _w.Hidden;
            var firstUnit = block * units;
            var count = Math.Min(units, hidden - firstUnit);
            nint at = (nint)first * hidden + firstUnit;
            GateSweeps<TOps, TV>(ref z, rows);
            if (count == units)
            {
                Combine<TOps, TV>(ref z, rows, ref Unsafe.Add(ref _c, at), ref Unsafe.Add(ref _cOut, at),
                    ref Unsafe.Add(ref _hOut, at), hidden);
                return;
            }
            // A last block narrower than a vector: c_{t-1} in, c_t and h_t out through the scratch, valid units only.
            var edge = _edge[..(3 * rows * units)];
            edge.Clear();
            for (var r = 0; r < rows; r++)
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref _c, at + r * hidden), count)
                    .CopyTo(edge.Slice(r * units, count));
            ref var edgeStart = ref edge[0];
            Combine<TOps, TV>(ref z, rows, ref edgeStart, ref Unsafe.Add(ref edgeStart, rows * units),
                ref Unsafe.Add(ref edgeStart, 2 * rows * units), units);
            for (var r = 0; r < rows; r++)
            {
                edge.Slice((rows + r) * units, count)
                    .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref _cOut, at + r * hidden), count));
                edge.Slice((2 * rows + r) * units, count)
                    .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref _hOut, at + r * hidden), count));
            }
        }

        // The product's register tiles: two vectors of columns (one pair of gates) for 8, 6 or 4 rows, onto the
        // tile buffer, over kc rows of a panel. A call of its own, so the tiles' loops are compiled once each.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Product<TOps, TV>(int rows, ref float a, int ars, ref float b, ref float c, int ldc, int kc)
            where TOps : struct, IVectorOps<TV>
            where TV : struct
        {
            var ldb = 2 * TOps.Count;
            if (rows == 8)
                Gemm.Tile8<TOps, TV>(ref a, ars, 1, ref b, ldb, ref c, ldc, kc);
            else if (rows == 6)
                Gemm.Tile6<TOps, TV>(ref a, ars, 1, ref b, ldb, ref c, ldc, kc);
            else
                Gemm.Tile4<TOps, TV>(ref a, ars, 1, ref b, ldb, ref c, ldc, kc);
        }
    }

    // σ over each row's i, o and f, then tanh over its g, in place: one activation per loop body, as the gate pass
    // runs them (a loop of several activations spills).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GateSweeps<TOps, TV>(ref float z, int rows)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint units = TOps.Count, width = 4 * units;
        for (nint r = 0; r < rows; r++)
        {
            for (nint g = 0; g < 3; g++)
            {
                var at = r * width + g * units;
                TOps.Store(Activations.Sigmoid<TOps, TV>(TOps.Load(ref z, at)), ref z, at);
            }
        }
        for (nint r = 0; r < rows; r++)
        {
            var at = r * width + 3 * units;
            TOps.Store(Activations.Tanh<TOps, TV>(TOps.Load(ref z, at)), ref z, at);
        }
    }

    // c_t = f ⊙ c_{t-1} + i ⊙ g and h_t = o ⊙ tanh c_t from the activated tile, in the gate pass's operations.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Combine<TOps, TV>(ref float gates, int rows, ref float previousCell, ref float cell,
        ref float state, nint stride)
        where TOps : struct, IVectorOps<TV>
        where TV : struct
    {
        nint units = TOps.Count, width = 4 * units;
        for (nint r = 0; r < rows; r++)
        {
            ref var row = ref Unsafe.Add(ref gates, r * width);
            var c = TOps.MultiplyAdd(TOps.Load(ref row, 2 * units), TOps.Load(ref previousCell, r * stride),
                TOps.Multiply(TOps.Load(ref row, 0), TOps.Load(ref row, 3 * units)));
            TOps.Store(c, ref cell, r * stride);
            TOps.Store(TOps.Multiply(TOps.Load(ref row, units), Activations.Tanh<TOps, TV>(c)), ref state, r * stride);
        }
    }
}
