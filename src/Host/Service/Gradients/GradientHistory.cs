using Recurrent.Diagnostics;

namespace Recurrent.Host.Service.Gradients;

/// <summary>The last N steps' gradient records of one run: a ring buffer, written by the trainer, read by requests.</summary>
internal sealed class GradientHistory(int capacity)
{
    private readonly GradientRecord[] _points = new GradientRecord[capacity];
    private readonly Lock _gate = new();
    private long _written;

    public void Add(GradientRecord record)
    {
        lock (_gate)
        {
            _points[_written % _points.Length] = record;
            _written++;
        }
    }

    /// <summary>The kept records with a step above <paramref name="afterStep"/>, oldest first, at most <paramref name="limit"/> (the newest).</summary>
    public IReadOnlyList<GradientRecord> Since(long afterStep, int limit)
    {
        lock (_gate)
        {
            var kept = (int)Math.Min(_written, _points.Length);
            var result = new List<GradientRecord>(Math.Min(kept, limit));
            for (var i = Math.Max(0, kept - limit); i < kept; i++)
            {
                var record = _points[(_written - kept + i) % _points.Length];
                if (record.Step > afterStep)
                    result.Add(record);
            }
            return result;
        }
    }
}
