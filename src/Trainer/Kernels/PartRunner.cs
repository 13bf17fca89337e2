using System.Runtime.ExceptionServices;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// Runs the parts of one hand-off: on the calling thread's <see cref="StepWorkers"/> inside a training step or an
/// inference (<see cref="InferenceTeam"/>), else with <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>
/// as before (nested hand-offs, a team busy with another caller's).
/// </summary>
internal static class PartRunner
{
    /// <summary>While set (the phases experiment, one run at a time), every hand-off is timed into it.</summary>
    internal static HandOffLog? Log;

    /// <param name="parts">The parts; one runs on the caller without a hand-off.</param>
    /// <param name="body">body(part).</param>
    /// <param name="site">What hands off, for <see cref="Log"/> (its body's method when not given).</param>
    public static void Run(int parts, Action<int> body, string? site = null)
    {
        if (parts <= 1)
        {
            body(0);
            return;
        }
        if (Log is { } log)
        {
            log.Time(parts, body, site ?? body.Method.Name, Dispatch);
            return;
        }
        Dispatch(parts, body);
    }

    private static void Dispatch(int parts, Action<int> body)
    {
        if (StepWorkers.Current is { } team && team.TryRun(parts, body))
            return;
        try
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
        {
            // A cancelled step (StepCancellation) stops every part; it reaches the caller as one cancel.
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }
}
