using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// The process's inference team held by a hand-off of another thread until disposed, so that an inference meanwhile
/// finds it busy. Other test classes' inference may hold the team for a moment, so the hand-off is retried until it
/// starts (at most 30 s).
/// </summary>
internal sealed class HeldTeam : IDisposable
{
    private readonly ManualResetEventSlim _started = new();
    private readonly ManualResetEventSlim _release = new();
    private readonly Thread _thread;
    private bool _ran;

    public HeldTeam(StepWorkers team)
    {
        _thread = new Thread(() =>
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!(_ran = team.TryRun(2, _ =>
                   {
                       _started.Set();
                       _release.Wait();
                   })) && DateTime.UtcNow < deadline)
                Thread.Sleep(1);
        });
        _thread.Start();
        if (!_started.Wait(TimeSpan.FromSeconds(30)))
            throw new TimeoutException("The inference team stayed busy for 30 s.");
    }

    /// <summary>Whether the holding thread is still inside its hand-off.</summary>
    public bool Holding => _thread.IsAlive;

    /// <summary>Releases the team and returns whether the holding hand-off ran and finished.</summary>
    public bool Release()
    {
        _release.Set();
        return _thread.Join(TimeSpan.FromSeconds(30)) && _ran;
    }

    public void Dispose()
    {
        Release();
        _started.Dispose();
        _release.Dispose();
    }
}
