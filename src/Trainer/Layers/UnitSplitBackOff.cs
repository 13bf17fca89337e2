namespace Recurrent.Trainer.Layers;

/// <summary>
/// Whether a direction's next batch-1 pass should split its units across two threads (RecurrentDirection.UnitSplit.cs),
/// from how the last split passes went. A split pays only if the helper is on a core in time to do its halves; on a
/// machine whose cores are busy it does few of them, and the pass pays the helper's wake-up and spin for nothing
/// (1.16–1.26× one thread's time at H = 512: docs/performance.md "Batch 1 on two cores, in the engine"). So a split
/// pass in which the helper published fewer than a quarter of the halves makes the next passes run on one thread:
/// <see cref="FirstBackOff"/> of them, doubling while the split keeps failing up to <see cref="LongestBackOff"/>, back
/// to the first after a pass in which it paid. Then it tries again: the load may have gone.
/// </summary>
/// <remarks>
/// One per direction, not one per process: a direction's passes run one at a time (they share its buffers), so its
/// counts need no synchronisation, and whether the helper keeps up depends on the pass's shape as well as on the
/// machine (a short or narrow pass is over before the woken helper does much), so one model's failing layer does
/// not switch off another's split. The choice never changes bits: both ways give one thread's.
/// </remarks>
internal sealed class UnitSplitBackOff
{
    /// <summary>Passes on one thread after the first failed split.</summary>
    public const int FirstBackOff = 4;

    /// <summary>The most passes on one thread between two tries.</summary>
    public const int LongestBackOff = 64;

    private int _remaining; // passes still to run on one thread
    private int _next = FirstBackOff; // passes on one thread after the next failed split

    /// <summary>Whether the next pass should split; false counts one pass of the back-off.</summary>
    public bool ShouldSplit()
    {
        if (_remaining == 0)
            return true;
        _remaining--;
        return false;
    }

    /// <summary>
    /// Records a split pass: the halves the helper published out of the halves it could have done (one per step).
    /// </summary>
    public void Record(int helperHalves, int halves)
    {
        if (halves > 0 && 4L * helperHalves >= halves)
        {
            _next = FirstBackOff;
            return;
        }
        _remaining = _next;
        _next = Math.Min(2 * _next, LongestBackOff);
    }
}
