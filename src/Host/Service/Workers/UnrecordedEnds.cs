using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Workers;

/// <summary>How a run ended, kept in memory while the store cannot record it.</summary>
internal sealed record UnrecordedEnd(RunLease Lease, string State, long Step, int Epoch, string? Error, string? ResultJson, DateTimeOffset At);

/// <summary>
/// The ends of runs that the store refused to record (a full disk): the run has stopped, its slot is free, reads
/// show how it ended (<see cref="Apply"/>), a cancel is answered from it, and the end is written as soon as the store
/// takes it again (every second, and once more at shutdown), with no restart needed.
/// </summary>
internal sealed class UnrecordedEnds(RunStore runs, RunStatePublisher states, ILogger<UnrecordedEnds> log) : BackgroundService
{
    private readonly ConcurrentDictionary<long, UnrecordedEnd> _ends = new();

    public void Add(UnrecordedEnd end) => _ends[end.Lease.RunId] = end;

    public UnrecordedEnd? Get(long runId) => _ends.GetValueOrDefault(runId);

    /// <summary>The run as it ended when its end is not recorded yet, else as stored.</summary>
    public RunRecord Apply(RunRecord run) => _ends.TryGetValue(run.Id, out var end) && run.State == RunStates.Running
        ? run with { State = end.State, FinishedAt = end.At, Error = end.Error + " (not recorded yet: the store refuses writes; it is once it takes them again)" }
        : run;

    /// <summary>Writes every end the store takes now; returns how many are still waiting.</summary>
    public int RecordWaiting()
    {
        foreach (var (id, end) in _ends)
        {
            try
            {
                runs.Finish(end.Lease, end.State, end.Step, end.Epoch, end.Error, end.ResultJson);
                log.LogInformation("Run {Id}: its end ({State}) is recorded now", id, end.State);
            }
            catch (LeaseLostException)
            {
                // Ended or taken over meanwhile (a fleet): nothing of this worker's is left to record.
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException)
            {
                continue;
            }
            _ends.TryRemove(id, out _);
            states.Publish();
        }
        return _ends.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (!_ends.IsEmpty)
                RecordWaiting();
        }
        if (RecordWaiting() > 0)
            log.LogWarning("Runs {Ids} ended but the store still refuses to record it; they resume at the next start",
                string.Join(", ", _ends.Keys));
    }
}
