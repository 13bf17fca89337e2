using Recurrent.Diagnostics;
using Recurrent.Trainer.Cells;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// Writes g_t = ‖∂L_b/∂s_t‖ into a <see cref="GradientSnapshot"/> while BPTT walks back through the first layer.
/// The batch loss is a mean, so the adjoints are scaled back by B to be those of each sample's own loss.
/// </summary>
internal sealed class AdjointRecorder
{
    private GradientSnapshot _snapshot = new();
    private int[] _lengths = [];
    private int _stride;
    private int? _window;
    private float _scale;

    /// <summary>Sizes the snapshot's buffers for this batch and fills each sample's window length.</summary>
    public void Begin(GradientSnapshot snapshot, int[] lengths, int batch, int? window)
    {
        _snapshot = snapshot;
        _lengths = lengths;
        _window = window;
        _scale = batch;
        _stride = 0;
        for (var b = 0; b < batch; b++)
            _stride = Math.Max(_stride, WindowOf(lengths[b]));
        snapshot.PrepareAdjointNorms(batch, _stride);
        var windows = snapshot.WindowLengthsBuffer;
        for (var b = 0; b < batch; b++)
            windows[b] = WindowOf(lengths[b]);
    }

    private int WindowOf(int length) => Math.Min(length, _window ?? length);

    /// <summary>Records step t for rows first..first+count; called from the worker that owns those rows.</summary>
    public void Record(int t, int first, int count, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc, int hidden)
    {
        var norms = _snapshot.AdjointNormsBuffer;
        for (var r = 0; r < count; r++)
        {
            var b = first + r;
            var length = _lengths[b];
            var start = length - WindowOf(length);
            if (t < start || t >= length)
                continue;
            var sum = GateMath.SumOfSquares(dh.Slice(r * hidden, hidden)) + GateMath.SumOfSquares(dc.Slice(r * hidden, hidden));
            norms[b * _stride + t - start] = (float)(Math.Sqrt(sum) * _scale);
        }
    }
}
