namespace Recurrent.Diagnostics;

/// <summary>
/// The adjoint norms g_t = ‖∂L_b/∂s_t‖ of one recurrent path (one layer's one direction) for one step's batch: a
/// row per sample, oldest step of its window first and the step where the loss enters last (for a reverse
/// direction, which runs back in time, its row reads from the sequence's end to its start). The trainer refills
/// the same instance every step; observers copy what they keep.
/// </summary>
/// <param name="layer">The layer's index as a label: "0".."7".</param>
/// <param name="direction">"forward" or "reverse".</param>
public sealed class AdjointPath(string layer, string direction) : IAdjointRows
{
    private float[] _norms = [];
    private int[] _windowLengths = [];
    private int _rows;

    /// <summary>The layer's index as a label: "0".."7".</summary>
    public string Layer { get; } = layer;

    /// <summary>"forward" or "reverse".</summary>
    public string Direction { get; } = direction;

    /// <summary>True when this step's norms were measured (<see cref="Set"/>); false after <see cref="Clear"/>.</summary>
    public bool HasNorms { get; private set; }

    /// <summary>Stride of one sample's row in <see cref="Norms"/>: the longest window in the batch.</summary>
    public int Stride { get; private set; }

    /// <summary>Per sample, the number of steps measured (its length, or the truncation window).</summary>
    public ReadOnlySpan<int> WindowLengths => _windowLengths.AsSpan(0, _rows);

    /// <summary>The norms, row-major [samples, <see cref="Stride"/>].</summary>
    public ReadOnlySpan<float> Norms => _norms.AsSpan(0, _rows * Stride);

    /// <summary>Copies one step's norms, reusing the buffers when they are large enough.</summary>
    public void Set(int stride, ReadOnlySpan<int> windowLengths, ReadOnlySpan<float> norms)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stride);
        int rows = windowLengths.Length;
        if (norms.Length != rows * stride)
            throw new ArgumentException($"{norms.Length} adjoint norms for {rows} rows of {stride}.", nameof(norms));
        for (int b = 0; b < rows; b++)
        {
            if (windowLengths[b] < 0 || windowLengths[b] > stride)
                throw new ArgumentException($"Window length {windowLengths[b]} of sample {b} is outside 0..{stride}.", nameof(windowLengths));
        }
        if (_norms.Length < norms.Length)
            _norms = new float[norms.Length];
        if (_windowLengths.Length < rows)
            _windowLengths = new int[rows];
        norms.CopyTo(_norms);
        windowLengths.CopyTo(_windowLengths);
        _rows = rows;
        Stride = stride;
        HasNorms = true;
    }

    /// <summary>Marks this step as one without norms.</summary>
    public void Clear()
    {
        _rows = 0;
        Stride = 0;
        HasNorms = false;
    }

    /// <summary>The norms of sample <paramref name="b"/>, oldest step first, the loss's step last.</summary>
    public ReadOnlySpan<float> NormsOf(int b)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)b, (uint)_rows, nameof(b));
        return _norms.AsSpan(b * Stride, _windowLengths[b]);
    }

    int IAdjointRows.Rows => _rows;
}

/// <summary>What <see cref="Analysis.GradientAnalysis"/> reads of a set of adjoint norms.</summary>
internal interface IAdjointRows
{
    int Rows { get; }

    int Stride { get; }

    ReadOnlySpan<float> NormsOf(int b);
}

/// <summary>One parameter block: the rows of one gate in W_xh, W_hh or the biases of one layer's direction, or the head's.</summary>
/// <param name="Layer">"0".."7", or "head".</param>
/// <param name="Direction">"forward" or "reverse" ("forward" for the head).</param>
/// <param name="Block">"W_xh", "W_hh", "b" (b_xh and b_hh together), or the head's "W_hy", "b_y".</param>
/// <param name="Gate">LSTM "i", "f", "o", "c"; GRU "z", "r", "h"; Elman "h"; the head "y".</param>
public sealed record ParameterBlock(string Layer, string Direction, string Block, string Gate);

/// <summary>One saturation figure's place: a layer's direction and a unit kind.</summary>
/// <param name="Layer">"0".."7".</param>
/// <param name="Direction">"forward" or "reverse".</param>
/// <param name="Unit">LSTM gates "i", "f", "o"; GRU gates "z", "r"; "tanh" (|h| &gt; 0.97); "relu_dead".</param>
public sealed record SaturationUnit(string Layer, string Direction, string Unit);
