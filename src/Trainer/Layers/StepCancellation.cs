namespace Recurrent.Trainer.Layers;

/// <summary>
/// A cancel that reaches into a training step. One step of a large run (a long batch through a wide network) can take
/// minutes, and the trainer looks at its token only between steps; so the thread that trains can name a token here
/// (<see cref="Enter"/>), which the recurrent layers' time loops check between time steps, forward and backward. A
/// cancelled step throws <see cref="OperationCanceledException"/> before the optimizer touches a weight. Unset (the
/// default), it costs a read of a default token per time step.
/// </summary>
internal static class StepCancellation
{
    [ThreadStatic]
    private static CancellationToken t_current;

    /// <summary>The token of the calling thread's step; the layers read it as a pass begins.</summary>
    public static CancellationToken Current => t_current;

    /// <summary>Names <paramref name="token"/> for this thread's steps until the scope is disposed.</summary>
    public static Scope Enter(CancellationToken token)
    {
        var previous = t_current;
        t_current = token;
        return new Scope(previous);
    }

    /// <summary>Restores the token the thread had before.</summary>
    public readonly struct Scope(CancellationToken previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }
}
