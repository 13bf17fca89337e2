namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The right-hand matrix B [K, N] of a product, stored as column panels: each panel of up to
/// <see cref="PanelWidth"/> columns holds its K rows back to back, so a kernel walking down k reads one contiguous
/// stream instead of rows a whole matrix width apart (which, for widths of a few kilobytes, land in the same cache
/// sets and evict each other). Columns come in blocks of <see cref="BlockWidth"/> (one gate's H columns) and no panel
/// straddles two blocks, so any run of whole gate blocks is a run of whole panels.
/// </summary>
internal sealed class PackedMatrix
{
    /// <param name="rows">K.</param>
    /// <param name="columns">N, whole blocks.</param>
    /// <param name="blockWidth">Columns per block (one gate's H).</param>
    /// <param name="panelWidth">Columns per panel, 16 or 32: the kernel plan's (two vectors of the machine's width,
    /// the width of its register tiles) unless given. Any panel width gives the same bits with either vector width.</param>
    public PackedMatrix(int rows, int columns, int blockWidth, int panelWidth = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockWidth);
        PanelWidth = panelWidth == 0 ? KernelPlan.Active.PanelWidth : panelWidth;
        if (PanelWidth is not (16 or 32))
            throw new ArgumentOutOfRangeException(nameof(panelWidth), panelWidth, "A panel is 16 or 32 columns wide.");
        if (columns % blockWidth != 0)
            throw new ArgumentException($"{columns} columns are not whole blocks of {blockWidth}.", nameof(columns));
        Rows = rows;
        Columns = columns;
        BlockWidth = blockWidth;
        // Pinned, so the panels can start on a cache line: a float[]'s elements start 16 bytes into a line, which
        // made every 512-bit load of a one-row product (batch-1 inference) straddle two lines; a 256-bit one, every
        // other. Measured at H = 128 (W 320 KB, from L2): 4.8 µs a step straddling, 2.8 µs on lines (Intel Xeon,
        // Ice Lake, AVX-512).
        Data = CacheLine.Allocate(rows * columns);
        Origin = CacheLine.Origin(Data);
    }

    /// <summary>Columns per panel (the last panel of a block may be narrower).</summary>
    public int PanelWidth { get; }

    /// <summary>K, the depth of the product.</summary>
    public int Rows { get; }

    /// <summary>N, the columns of the product.</summary>
    public int Columns { get; }

    public int BlockWidth { get; }

    /// <summary>The panels from <see cref="Origin"/> on (<see cref="PanelOffset"/> counts it in).</summary>
    public float[] Data { get; }

    /// <summary>Where the first panel starts in <see cref="Data"/>: the first element on a cache line.</summary>
    public int Origin { get; }

    /// <summary>The K·N packed elements, every panel in order.</summary>
    public Span<float> Panels => Data.AsSpan(Origin, Rows * Columns);

    /// <summary>The width of the panel that starts at <paramref name="column"/>.</summary>
    public int PanelWidthAt(int column) => Math.Min(PanelWidth, BlockWidth - column % BlockWidth);

    /// <summary>Where the panel starting at <paramref name="column"/> begins: every panel before it is full or ends a
    /// block, so the columns before it fill exactly column · K elements after the origin.</summary>
    public int PanelOffset(int column) => Origin + column * Rows;

    /// <summary>Packs B itself from its row-major [K, N] layout.</summary>
    public void Pack(ReadOnlySpan<float> b)
    {
        if (b.Length < Rows * Columns)
            throw new ArgumentException($"B needs {Rows * Columns} elements but has {b.Length}.", nameof(b));
        for (var j0 = 0; j0 < Columns; j0 += PanelWidthAt(j0))
        {
            var width = PanelWidthAt(j0);
            var panel = Data.AsSpan(PanelOffset(j0), width * Rows);
            for (var k = 0; k < Rows; k++)
                b.Slice(k * Columns + j0, width).CopyTo(panel.Slice(k * width, width));
        }
    }

    /// <summary>Packs Wᵀ, where W [N, K] is row-major: a layer's weights in the ONNX layout.</summary>
    public void PackTransposeOf(ReadOnlySpan<float> w) => PackTransposeOf(w, 0, Rows);

    /// <summary>
    /// Packs Wᵀ into rows <paramref name="firstRow"/>..firstRow+rows of B, where W [N, rows] is row-major: B =
    /// [W_1ᵀ ; W_2ᵀ] is one call per W, so a product over [a_1 | a_2] sums a_1·W_1ᵀ + a_2·W_2ᵀ in one pass.
    /// </summary>
    public void PackTransposeOf(ReadOnlySpan<float> w, int firstRow, int rows)
    {
        if (firstRow < 0 || rows < 0 || firstRow + rows > Rows)
            throw new ArgumentException($"Rows {firstRow}..{firstRow + rows} are outside B's {Rows}.", nameof(rows));
        if (w.Length < rows * Columns)
            throw new ArgumentException($"W needs {rows * Columns} elements but has {w.Length}.", nameof(w));
        for (var j0 = 0; j0 < Columns; j0 += PanelWidthAt(j0))
        {
            var width = PanelWidthAt(j0);
            var panel = Data.AsSpan(PanelOffset(j0) + firstRow * width, width * rows);
            for (var j = 0; j < width; j++)
            {
                var source = w.Slice((j0 + j) * rows, rows);
                for (var k = 0; k < rows; k++)
                    panel[k * width + j] = source[k];
            }
        }
    }

    /// <summary>Columns <paramref name="first"/>..first+count (whole blocks) as a product's B.</summary>
    public PackedView ColumnRange(int first, int count) => ((PackedView)this).ColumnRange(first, count);

    /// <summary>Rows <paramref name="first"/>..first+count (the depth of a product over part of K) as a product's B.</summary>
    public PackedView RowRange(int first, int count) => ((PackedView)this).RowRange(first, count);
}

/// <summary>A packed matrix, or a range of its rows and (whole blocks of) columns, as the B of a product.</summary>
internal readonly record struct PackedView(PackedMatrix Matrix, int FirstColumn, int ColumnCount, int FirstRow,
    int RowCount)
{
    /// <summary>Columns <paramref name="first"/>..first+count of the packed matrix (whole blocks).</summary>
    public PackedView ColumnRange(int first, int count) => this with { FirstColumn = first, ColumnCount = count };

    /// <summary>Rows <paramref name="first"/>..first+count of the packed matrix.</summary>
    public PackedView RowRange(int first, int count) => this with { FirstRow = first, RowCount = count };

    public static implicit operator PackedView(PackedMatrix b) => new(b, 0, b.Columns, 0, b.Rows);
}
