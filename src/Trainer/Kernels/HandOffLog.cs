using System.Diagnostics;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The hand-offs of <see cref="PartRunner"/> while it is its <see cref="PartRunner.Log"/>: per hand-off, its wall
/// time from dispatch to return, each part's time, how late its last part started, how long the caller waited
/// after the last part ended, and the serial stretch since the previous hand-off returned (what a helper waits
/// through), in <see cref="Stopwatch"/> ticks.
/// </summary>
internal sealed class HandOffLog
{
    private long _lastReturn;

    public readonly record struct Entry(string Site, int Parts, long Wall, long[] PartTimes, long LastStart, long Tail,
        long Gap)
    {
        public long LongestPart => PartTimes.Max();
    }

    public List<Entry> Entries { get; } = [];

    internal void Time(int parts, Action<int> body, string site, Action<int, Action<int>> dispatch)
    {
        var starts = new long[parts];
        var ends = new long[parts];
        var dispatched = Stopwatch.GetTimestamp();
        dispatch(parts, part =>
        {
            starts[part] = Stopwatch.GetTimestamp();
            try
            {
                body(part);
            }
            finally
            {
                ends[part] = Stopwatch.GetTimestamp();
            }
        });
        var returned = Stopwatch.GetTimestamp();
        long lastStart = 0, lastEnd = 0;
        var times = new long[parts];
        for (var p = 0; p < parts; p++)
        {
            times[p] = ends[p] - starts[p];
            lastStart = Math.Max(lastStart, starts[p] - dispatched);
            lastEnd = Math.Max(lastEnd, ends[p]);
        }
        lock (Entries)
        {
            Entries.Add(new Entry(site, parts, returned - dispatched, times, lastStart, returned - lastEnd,
                _lastReturn == 0 ? 0 : dispatched - _lastReturn));
            _lastReturn = returned;
        }
    }
}
