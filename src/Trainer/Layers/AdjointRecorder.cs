using Recurrent.Diagnostics;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// Writes g_t = ‖∂L_b/∂s_t‖ into a <see cref="GradientSnapshot"/> while BPTT walks back through the first layer.
/// The batch loss is a mean, so the adjoints are scaled back by B to be those of each sample's own loss.
/// </summary>
internal sealed class AdjointRecorder
{
    private GradientSnapshot _snapshot = new();
    private int[] _lengths = [];
    private int _stride, _batch;
    private int? _window;
    private float _scale;

    /// <summary>Sizes the snapshot's buffers for this batch and fills each sample's window length.</summary>
    public void Begin(GradientSnapshot snapshot, int[] lengths, int batch, int? window)
    {
        _snapshot = snapshot;
        _lengths = lengths;
        _window = window;
        _scale = batch;
        _batch = batch;
        _stride = 0;
        for (var b = 0; b < batch; b++)
            _stride = Math.Max(_stride, WindowOf(lengths[b]));
        snapshot.PrepareAdjointNorms(batch, _stride);
        var windows = snapshot.WindowLengthsBuffer;
        for (var b = 0; b < batch; b++)
            windows[b] = WindowOf(lengths[b]);
    }

    private int WindowOf(int length) => Math.Min(length, _window ?? length);

    /// <summary>
    /// Records sub-step <paramref name="step"/> of a direction with dilation d for its rows first..first+count
    /// (row k·B + b is step step·d + k of sequence b; with d = 1 rows are sequences); called from the worker that
    /// owns those rows.
    /// </summary>
    public void Record(int step, int dilation, int first, int count, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc,
        int hidden)
    {
        var norms = _snapshot.AdjointNormsBuffer;
        for (var r = 0; r < count; r++)
        {
            var row = first + r;
            var b = row % _batch;
            var t = step * dilation + row / _batch;
            var length = _lengths[b];
            var start = length - WindowOf(length);
            if (t < start || t >= length)
                continue;
            var sum = GateMath.SumOfSquares(dh.Slice(r * hidden, hidden)) + GateMath.SumOfSquares(dc.Slice(r * hidden, hidden));
            norms[b * _stride + t - start] = (float)(Math.Sqrt(sum) * _scale);
        }
    }
}
