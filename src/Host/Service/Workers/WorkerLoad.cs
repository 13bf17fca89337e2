namespace Recurrent.Host.Service.Workers;

/// <summary>How many runs this worker trains right now; the training worker keeps it, the heartbeat reports it.</summary>
internal sealed class WorkerLoad
{
    private int _active;

    public int Active => Volatile.Read(ref _active);

    public void Started() => Interlocked.Increment(ref _active);

    public void Ended() => Interlocked.Decrement(ref _active);
}
