using Recurrent.Host.Service.Gradients;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// Every step's gradient point, written in batches at each checkpoint. Steps after the last checkpoint are lost in
/// a crash, but the resumed run trains them again and writes the same values (a step is stored once, by key).
/// </summary>
internal abstract class GradientStore
{
    public abstract void Add(long runId, IReadOnlyList<GradientPoint> points);

    /// <summary>
    /// The figures a run ended with: its last stored step's loss and vanishing ratio, and the share of its stored steps
    /// that were clipped; null when it stored no step.
    /// </summary>
    public abstract StoredRunSummary? Summary(long runId);

    /// <summary>
    /// The newest <paramref name="limit"/> points after <paramref name="afterStep"/> (and before
    /// <paramref name="beforeStep"/>), oldest first.
    /// </summary>
    public IReadOnlyList<GradientPoint> Since(long runId, long afterStep, int limit, long beforeStep = long.MaxValue)
    {
        var newestFirst = Range(runId, afterStep, beforeStep, ascending: false, limit, every: 1);
        return [.. newestFirst.Reverse()];
    }

    /// <summary>
    /// At most <paramref name="limit"/> points with <paramref name="afterStep"/> &lt; step &lt;
    /// <paramref name="beforeStep"/> and step a multiple of <paramref name="every"/>: the oldest of them, oldest
    /// first, when <paramref name="ascending"/>; else the newest, newest first. The primary key (run_id, step)
    /// makes either end a range scan, so a page costs its own size whatever the history's length.
    /// </summary>
    public abstract IReadOnlyList<GradientPoint> Range(long runId, long afterStep, long beforeStep, bool ascending, int limit, int every);
}
