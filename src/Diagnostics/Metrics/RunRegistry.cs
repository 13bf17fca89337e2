using System.Collections.Concurrent;

namespace Recurrent.Diagnostics.Metrics;

/// <summary>
/// The runs whose series are exported: every active run, plus finished runs for a retention window and up to a
/// maximum count, most recently finished first. <see cref="RemoveExpired"/> disposes the instruments of finished
/// runs past either limit, which removes their series (histograms included) from every exporter.
/// </summary>
internal sealed class RunRegistry(TimeSpan retention, int maxFinishedRuns, TimeProvider time, Func<RunState, RunInstruments> create)
    : IDisposable
{
    private readonly ConcurrentDictionary<string, RunInstruments> _runs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The run's instruments, created on first use; a finished run that records again is active again.</summary>
    public RunInstruments GetOrStart(string runId)
    {
        if (_runs.TryGetValue(runId, out var run) && run.State.FinishedAt is null)
            return run;
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out run))
            {
                run = create(new RunState(runId));
                _runs[runId] = run;
            }
            if (run.State.FinishedAt is not null)
            {
                lock (run.State.Gate)
                    run.State.Outcome = RunOutcomes.Running;
                run.State.FinishedAt = null;
            }
            return run;
        }
    }

    /// <summary>Marks a known run finished now in <paramref name="outcome"/>; unknown runs have nothing to retain.</summary>
    public void Finish(string runId, string outcome)
    {
        if (_runs.TryGetValue(runId, out var run))
        {
            lock (run.State.Gate)
                run.State.Outcome = outcome;
            run.State.FinishedAt = time.GetUtcNow();
        }
        RemoveExpired();
    }

    /// <summary>
    /// True while the run is active or finished within the window. Exporters' callbacks ask this, so counters and
    /// gauges vanish at the end of the window even before <see cref="RemoveExpired"/> has run.
    /// </summary>
    public bool IsExported(RunState run) => run.FinishedAt is not { } finished || time.GetUtcNow() - finished <= retention;

    /// <summary>True when the run's series are exported now.</summary>
    public bool IsExported(string runId) => _runs.TryGetValue(runId, out var run) && IsExported(run.State);

    /// <summary>The runs exported now.</summary>
    public List<RunState> Exported() => [.. _runs.Values.Select(r => r.State).Where(IsExported)];

    /// <summary>The instruments of a registered run, or null.</summary>
    public RunInstruments? Find(string runId) => _runs.TryGetValue(runId, out var run) ? run : null;

    /// <summary>Forgets a run at once and disposes its meter: its series leave every exporter now.</summary>
    public void Remove(string runId)
    {
        if (_runs.TryRemove(runId, out var run))
            run.Dispose();
    }

    /// <summary>Forgets finished runs past the window or beyond the count and disposes their meters.</summary>
    public void RemoveExpired()
    {
        var removed = new List<RunInstruments>();
        lock (_gate)
        {
            var now = time.GetUtcNow();
            int kept = 0;
            foreach (var run in _runs.Values.Where(r => r.State.FinishedAt is not null).OrderByDescending(r => r.State.FinishedAt))
            {
                if (now - run.State.FinishedAt > retention || kept >= maxFinishedRuns)
                {
                    if (_runs.TryRemove(new KeyValuePair<string, RunInstruments>(run.State.RunId, run)))
                        removed.Add(run);
                }
                else
                {
                    kept++;
                }
            }
        }
        foreach (var run in removed)
            run.Dispose();
    }

    public void Dispose()
    {
        foreach (var run in _runs.Values)
            run.Dispose();
        _runs.Clear();
    }
}
