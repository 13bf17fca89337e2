using System.Collections.Concurrent;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// The runs this process has trained since it started, by id; finished ones stay for their gradient history.
/// A cancel that arrives between the worker claiming a run and the run going live is held until it does.
/// </summary>
internal sealed class LiveRuns
{
    private readonly ConcurrentDictionary<long, LiveRun> _runs = new();
    private readonly HashSet<long> _pendingCancels = [];
    private readonly Lock _gate = new();

    public void Add(LiveRun run)
    {
        lock (_gate)
        {
            if (_runs.TryRemove(run.Id, out var previous))
                previous.Dispose();
            _runs[run.Id] = run;
            if (_pendingCancels.Remove(run.Id))
                run.RequestCancel();
        }
    }

    public LiveRun? Get(long id) => _runs.GetValueOrDefault(id);

    /// <summary>Cancels the run now if it is live, or as soon as it goes live.</summary>
    public void RequestCancel(long id)
    {
        lock (_gate)
        {
            if (_runs.TryGetValue(id, out var run))
                run.RequestCancel();
            else
                _pendingCancels.Add(id);
        }
    }

    /// <summary>The runs this process is training now.</summary>
    public IReadOnlyList<LiveRun> Training() => [.. _runs.Values.Where(r => !r.Ended)];
}
