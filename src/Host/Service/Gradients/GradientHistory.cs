namespace Recurrent.Host.Service.Gradients;

/// <summary>The last N steps' gradient points of one run: a ring buffer, written by the trainer, read by requests.</summary>
internal sealed class GradientHistory(int capacity)
{
    private readonly GradientPoint[] _points = new GradientPoint[capacity];
    private readonly Lock _gate = new();
    private long _written;

    public void Add(GradientPoint point)
    {
        lock (_gate)
        {
            _points[_written % _points.Length] = point;
            _written++;
        }
    }

    /// <summary>The kept points with a step above <paramref name="afterStep"/>, oldest first, at most <paramref name="limit"/> (the newest).</summary>
    public IReadOnlyList<GradientPoint> Since(long afterStep, int limit)
    {
        lock (_gate)
        {
            var kept = (int)Math.Min(_written, _points.Length);
            var result = new List<GradientPoint>(Math.Min(kept, limit));
            for (var i = Math.Max(0, kept - limit); i < kept; i++)
            {
                var point = _points[(_written - kept + i) % _points.Length];
                if (point.Step > afterStep)
                    result.Add(point);
            }
            return result;
        }
    }
}
