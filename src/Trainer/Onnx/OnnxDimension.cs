namespace Recurrent.Trainer.Onnx;

/// <summary>
/// One dimension of a graph input's or output's shape: either a fixed size or a symbolic name such as
/// <c>"batch"</c> that ONNX Runtime binds at run time. Converts implicitly from <see cref="int"/>,
/// <see cref="long"/> and <see cref="string"/>, so a shape reads <c>["batch", "sequence", 28]</c>.
/// </summary>
internal readonly record struct OnnxDimension
{
    private OnnxDimension(long? size, string? symbol)
    {
        Size = size;
        Symbol = symbol;
    }

    /// <summary>The fixed size, or null when the dimension is symbolic.</summary>
    public long? Size { get; }

    /// <summary>The symbolic name, or null when the dimension has a fixed size.</summary>
    public string? Symbol { get; }

    /// <summary>A dimension of fixed size.</summary>
    public static OnnxDimension Fixed(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return new OnnxDimension(size, null);
    }

    /// <summary>A dimension known only by name; equal names mean equal sizes within one graph.</summary>
    public static OnnxDimension Named(string symbol)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        return new OnnxDimension(null, symbol);
    }

    /// <summary>Converts a size to a fixed dimension.</summary>
    public static implicit operator OnnxDimension(long size) => Fixed(size);

    /// <summary>Converts a size to a fixed dimension.</summary>
    public static implicit operator OnnxDimension(int size) => Fixed(size);

    /// <summary>Converts a name to a symbolic dimension.</summary>
    public static implicit operator OnnxDimension(string symbol) => Named(symbol);

    /// <inheritdoc/>
    public override string ToString() => Symbol ?? Size!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
