using Recurrent.Diagnostics;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// Measures g_t = ‖∂L_b/∂s_t‖ while BPTT walks back through one layer's direction (the first layer's forward one
/// for the global figures), into buffers of its own that the
/// training loop copies into the step's snapshot. For a per-sequence head L_b is sample b's loss: the batch loss is
/// a mean, so the adjoints are scaled back by B. For a per-step head L_b is the loss of sample b's last step alone,
/// which a pass of its own propagates unscaled (<see cref="SequenceNetwork"/>), so g_{T−k}/g_T still says how much
/// of the gradient where a loss enters survives k steps back.
/// </summary>
internal sealed class AdjointRecorder
{
    private float[] _norms = [];
    private int[] _windows = [];
    private int[] _lengths = [];
    private int _batch;
    private int? _window;
    private bool _segments;
    private bool _reverse;
    private float _scale;

    /// <summary>Row stride of <see cref="Norms"/>: the longest window of the batch.</summary>
    public int Stride { get; private set; }

    /// <summary>Per sample, the steps measured: its length, or the truncation window when that is shorter.</summary>
    public ReadOnlySpan<int> WindowLengths => _windows.AsSpan(0, _batch);

    /// <summary>The norms, row-major [batch, <see cref="Stride"/>]; row b's index 0 is the oldest step of its window.</summary>
    public ReadOnlySpan<float> Norms => _norms.AsSpan(0, _batch * Stride);

    /// <summary>The norms of sample <paramref name="b"/>, oldest step first.</summary>
    public ReadOnlySpan<float> NormsOf(int b) => _norms.AsSpan(b * Stride, _windows[b]);

    /// <summary>Sizes the buffers for this batch and fills each sample's window length.</summary>
    /// <param name="lengths">Each sample's length.</param>
    /// <param name="batch">B.</param>
    /// <param name="window">The truncation k2 (null: full BPTT).</param>
    /// <param name="segments">Per-step losses: truncation cuts segments of k2 steps from the start, so the last
    /// step's loss reaches back to the start of its segment.</param>
    /// <param name="scale">What the adjoints are multiplied by: B for a batch-mean loss (the default), 1 for the
    /// last step's loss propagated on its own.</param>
    /// <param name="reverse">A reverse direction: its loss enters at step 0 and its window is the first steps, so
    /// its row is written from the sequence's end back to step 0 (still oldest step of its own time first).</param>
    public void Begin(int[] lengths, int batch, int? window, bool segments = false, float? scale = null, bool reverse = false)
    {
        if (reverse && segments)
            throw new ArgumentException("A reverse direction's adjoints are recorded for a many-to-one loss only.", nameof(reverse));
        _lengths = lengths;
        _window = window;
        _segments = segments;
        _reverse = reverse;
        _scale = scale ?? batch;
        _batch = batch;
        Stride = 0;
        for (var b = 0; b < batch; b++)
            Stride = Math.Max(Stride, WindowOf(lengths[b]));
        if (_norms.Length < batch * Stride)
            _norms = new float[batch * Stride];
        if (_windows.Length < batch)
            _windows = new int[batch];
        for (var b = 0; b < batch; b++)
            _windows[b] = WindowOf(lengths[b]);
    }

    private int WindowOf(int length) => _segments && _window is int k
        ? length - k * ((length - 1) / k)
        : Math.Min(length, _window ?? length);

    /// <summary>
    /// Records sub-step <paramref name="step"/> of a direction with dilation d for its rows first..first+count
    /// (row k·B + b is step step·d + k of sequence b; with d = 1 rows are sequences); called from the worker that
    /// owns those rows. <paramref name="dc"/> is ∂L/∂c_t, or empty for a cell without a cell state.
    /// </summary>
    public void Record(int step, int dilation, int first, int count, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc,
        int hidden)
    {
        var norms = _norms.AsSpan(0, _batch * Stride);
        for (var r = 0; r < count; r++)
        {
            var row = first + r;
            var b = row % _batch;
            var t = step * dilation + row / _batch;
            var length = _lengths[b];
            var window = WindowOf(length);
            var start = _reverse ? 0 : length - window;
            if (t < start || t >= start + window)
                continue;
            var sum = GateMath.SumOfSquares(dh.Slice(r * hidden, hidden));
            if (!dc.IsEmpty)
                sum += GateMath.SumOfSquares(dc.Slice(r * hidden, hidden));
            var index = _reverse ? window - 1 - t : t - start;
            norms[b * Stride + index] = (float)(Math.Sqrt(sum) * _scale);
        }
    }
}
