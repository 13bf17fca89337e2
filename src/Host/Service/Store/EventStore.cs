namespace Recurrent.Host.Service.Store;

/// <summary>One entry of a run's event log; <see cref="At"/> for what the service recorded, <see cref="Step"/> for what training did.</summary>
/// <param name="Kind">created, started, resumed, stopped, interrupted, checkpoint-unreadable, succeeded, failed, cancelled;
/// checkpoint, clipped-burst, non-finite.</param>
/// <param name="At">When the service recorded it (null for events read from the step history).</param>
/// <param name="Step">The training step it happened at (the first step of a burst), when known.</param>
/// <param name="LastStep">A burst's last step.</param>
/// <param name="Message">What happened, for a person; for failed runs the reason.</param>
internal sealed record RunEvent(string Kind, DateTimeOffset? At, long? Step, long? LastStep, string Message);

/// <summary>
/// Reads a run's events: the lifecycle events the service wrote (the events table, plus the start from the run
/// row), and the training events found in its stored steps (clipped bursts, non-finite steps, the latest
/// checkpoint), so nothing extra is written while a run trains. Read-only: RunStore writes the events table.
/// </summary>
internal abstract class EventStore
{
    /// <summary>Consecutive clipped steps that make a burst: fewer is ordinary clipping, not an episode.</summary>
    public const int BurstSteps = 10;

    /// <summary>Lifecycle events by time, oldest first, at most <paramref name="limit"/> (the oldest).</summary>
    public abstract IReadOnlyList<RunEvent> Lifecycle(RunRecord run, int limit);

    /// <summary>
    /// The stored lifecycle events with the start taken from the run row (never written as an event), by time and
    /// cut to <paramref name="limit"/>; stable, so a start recorded at the instant of its creation stays after it.
    /// </summary>
    protected static IReadOnlyList<RunEvent> WithStart(List<RunEvent> stored, RunRecord run, int limit)
    {
        if (run.StartedAt is { } started)
            stored.Add(new RunEvent("started", started, null, null, "the worker took the run from the queue"));
        return [.. stored.OrderBy(e => e.At).Take(limit)];
    }

    /// <summary>
    /// Training events in step order after <paramref name="afterStep"/>, at most <paramref name="limit"/>: every
    /// non-finite step, every run of at least <see cref="BurstSteps"/> consecutive clipped steps, and the latest
    /// checkpoint. Steps reach the store at each checkpoint, so a training run's newest training events appear with its next one.
    /// </summary>
    public abstract IReadOnlyList<RunEvent> Training(RunRecord run, long afterStep, int limit);

    protected static RunEvent NonFinite(long step, double? loss, double? norm) => new("non-finite", null, step, null,
        $"step {step}: non-finite loss or gradient (loss {Text(loss)}, norm {Text(norm)}); the update was not applied");

    protected static RunEvent ClippedBurst(long first, long last, long count, double? largestNorm) => new("clipped-burst", null, first, last,
        $"{count} consecutive steps clipped, steps {first}–{last}; largest norm before clipping {Text(largestNorm)}");

    /// <summary>The run's latest checkpoint, while it can still resume from it.</summary>
    protected static RunEvent? LatestCheckpoint(RunRecord run, long afterStep) =>
        run.CheckpointStep is { } checkpoint && checkpoint > afterStep && !RunStates.IsFinal(run.State)
            ? new RunEvent("checkpoint", null, checkpoint, null,
                $"latest checkpoint at step {checkpoint} (epoch {run.Epoch}); a restart resumes from here")
            : null;

    private static string Text(double? value) =>
        value is double v ? v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture) : "not finite";
}
