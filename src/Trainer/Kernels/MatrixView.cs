namespace Recurrent.Trainer.Kernels;

/// <summary>
/// A matrix read in place through two strides: element (i, j) is <c>Data[i·RowStride + j·ColumnStride]</c>.
/// <see cref="Transposed"/> swaps the strides, so Aᵀ of a row-major A costs nothing.
/// </summary>
internal readonly ref struct MatrixView
{
    public MatrixView(ReadOnlySpan<float> data, int rows, int columns, int rowStride, int columnStride = 1)
    {
        Data = data;
        Rows = rows;
        Columns = columns;
        RowStride = rowStride;
        ColumnStride = columnStride;
    }

    public ReadOnlySpan<float> Data { get; }

    public int Rows { get; }

    public int Columns { get; }

    public int RowStride { get; }

    public int ColumnStride { get; }

    /// <summary>The same elements read as the transpose: rows become columns, no copy.</summary>
    public MatrixView Transposed => new(Data, Columns, Rows, ColumnStride, RowStride);

    /// <summary>A row-major [rows, columns] matrix whose rows lie <paramref name="rowStride"/> apart (default: packed).</summary>
    public static MatrixView RowMajor(ReadOnlySpan<float> data, int rows, int columns, int rowStride = 0) =>
        new(data, rows, columns, rowStride == 0 ? columns : rowStride);

    /// <summary>Rows <paramref name="first"/>..first+count of this matrix.</summary>
    public MatrixView RowRange(int first, int count) =>
        new(Data[(first * RowStride)..], count, Columns, RowStride, ColumnStride);

    /// <summary>Columns <paramref name="first"/>..first+count of this matrix.</summary>
    public MatrixView ColumnRange(int first, int count) =>
        new(Data[(first * ColumnStride)..], Rows, count, RowStride, ColumnStride);
}

/// <summary>A row-major matrix written in place: element (i, j) is <c>Data[i·RowStride + j]</c>.</summary>
internal readonly ref struct MatrixSpan
{
    public MatrixSpan(Span<float> data, int rows, int columns, int rowStride = 0)
    {
        Data = data;
        Rows = rows;
        Columns = columns;
        RowStride = rowStride == 0 ? columns : rowStride;
    }

    public Span<float> Data { get; }

    public int Rows { get; }

    public int Columns { get; }

    public int RowStride { get; }

    /// <summary>Rows <paramref name="first"/>..first+count of this matrix.</summary>
    public MatrixSpan RowRange(int first, int count) => new(Data[(first * RowStride)..], count, Columns, RowStride);

    /// <summary>Columns <paramref name="first"/>..first+count of this matrix.</summary>
    public MatrixSpan ColumnRange(int first, int count) => new(Data[first..], Rows, count, RowStride);

    public static implicit operator MatrixView(MatrixSpan m) => new(m.Data, m.Rows, m.Columns, m.RowStride);
}

/// <summary>
/// A strided matrix over an array from <see cref="Offset"/>: what a buffer of a layer is, named once and handed to
/// the products (also to the parallel ones, which a span cannot reach).
/// </summary>
internal readonly record struct StridedMatrix(float[] Data, int Offset, int Rows, int Columns, int RowStride,
    int ColumnStride = 1)
{
    /// <summary>A row-major [rows, columns] matrix starting at <paramref name="offset"/>, rows packed.</summary>
    public static StridedMatrix RowMajor(float[] data, int rows, int columns, int offset = 0) =>
        new(data, offset, rows, columns, columns);

    /// <summary>The same elements read as the transpose: rows become columns, no copy.</summary>
    public StridedMatrix Transposed => new(Data, Offset, Columns, Rows, ColumnStride, RowStride);

    /// <summary>Rows <paramref name="first"/>..first+count of this matrix.</summary>
    public StridedMatrix RowRange(int first, int count) =>
        this with { Offset = Offset + first * RowStride, Rows = count };

    /// <summary>Columns <paramref name="first"/>..first+count of this matrix.</summary>
    public StridedMatrix ColumnRange(int first, int count) =>
        this with { Offset = Offset + first * ColumnStride, Columns = count };

    public static implicit operator MatrixView(StridedMatrix m) =>
        new(m.Data.AsSpan(m.Offset), m.Rows, m.Columns, m.RowStride, m.ColumnStride);

    /// <summary>The matrix as a product's output, which must be row-major (column stride 1).</summary>
    public static implicit operator MatrixSpan(StridedMatrix m) =>
        m.ColumnStride == 1
            ? new(m.Data.AsSpan(m.Offset), m.Rows, m.Columns, m.RowStride)
            : throw new ArgumentException("A product's output must be row-major (column stride 1).", nameof(m));
}
