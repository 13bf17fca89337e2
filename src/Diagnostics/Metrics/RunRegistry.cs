using System.Collections.Concurrent;

namespace Recurrent.Diagnostics;

/// <summary>
/// The runs whose series are exported: every active run, plus finished runs for a retention window and up to a
/// maximum count, most recently finished first. Finished runs past either limit are forgotten.
/// </summary>
internal sealed class RunRegistry(TimeSpan retention, int maxFinishedRuns, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, RunState> _runs = new(StringComparer.Ordinal);
    private readonly Lock _pruneGate = new();

    /// <summary>The run's state, created on first use; a finished run that records again is active again.</summary>
    public RunState GetOrStart(string runId)
    {
        if (!_runs.TryGetValue(runId, out var run))
            run = _runs.GetOrAdd(runId, static id => new RunState(id));
        if (run.FinishedAt is not null)
            run.FinishedAt = null;
        return run;
    }

    /// <summary>Marks a known run finished now; unknown runs have nothing to retain.</summary>
    public void Finish(string runId)
    {
        if (_runs.TryGetValue(runId, out var run))
            run.FinishedAt = time.GetUtcNow();
    }

    /// <summary>True when the run's series should be exported now.</summary>
    public bool IsExported(string runId)
    {
        Prune();
        return _runs.ContainsKey(runId);
    }

    /// <summary>The runs to export now.</summary>
    public List<RunState> Exported()
    {
        Prune();
        return [.. _runs.Values];
    }

    private void Prune()
    {
        lock (_pruneGate)
        {
            var now = time.GetUtcNow();
            int kept = 0;
            foreach (var run in _runs.Values.Where(r => r.FinishedAt is not null).OrderByDescending(r => r.FinishedAt))
            {
                if (now - run.FinishedAt > retention || kept >= maxFinishedRuns)
                    _runs.TryRemove(new KeyValuePair<string, RunState>(run.RunId, run));
                else
                    kept++;
            }
        }
    }
}
