using System.Collections.Concurrent;

namespace Recurrent.Host.Service.Live;

/// <summary>The runs this process has trained since it started, by id; finished ones stay for their gradient history.</summary>
internal sealed class LiveRuns
{
    private readonly ConcurrentDictionary<long, LiveRun> _runs = new();

    public void Add(LiveRun run)
    {
        if (_runs.TryRemove(run.Id, out var previous))
            previous.Dispose();
        _runs[run.Id] = run;
    }

    public LiveRun? Get(long id) => _runs.GetValueOrDefault(id);
}
