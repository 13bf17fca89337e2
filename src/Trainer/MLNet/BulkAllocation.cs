using System.Runtime;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Reading a data view allocates every sequence's array at once and all of them survive, so the collector would
/// copy them through its generations on the way (on Fashion-MNIST's 188 MB of rows that was most of the reading
/// time). Within a known budget the read runs in a no-GC region instead; past the budget, or when the runtime
/// refuses one, it simply runs as usual.
/// </summary>
internal static class BulkAllocation
{
    private const long MinimumBytes = 16L << 20;
    private const long MaximumBytes = 240L << 20;

    /// <summary>Starts a no-GC region for <paramref name="bytes"/> when worth it; true when one started.</summary>
    public static bool Begin(long bytes)
    {
        if (bytes < MinimumBytes || bytes > MaximumBytes || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            return false;
        try
        {
            return GC.TryStartNoGCRegion(bytes + (8L << 20));
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // larger than this runtime allows
        }
        catch (InvalidOperationException)
        {
            return false; // another region is in progress
        }
    }

    /// <summary>Ends the region <see cref="Begin"/> started, unless the budget already ended it.</summary>
    public static void End(bool started)
    {
        if (!started || GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
            return;
        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // A collection happened inside the region (the budget was exceeded): nothing to end.
        }
    }
}
