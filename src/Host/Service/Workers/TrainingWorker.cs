using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// Trains queued runs, at most <see cref="ServiceOptions.MaxConcurrentRuns"/> at a time, each on a thread of its
/// own; the built-in demo runs train beside them, outside that limit, so a new user sees the LSTM and the tanh RNN
/// side by side and a run of their own never waits behind the demo. At shutdown it cancels them through the stopping token, which makes each write a checkpoint and go back to
/// the queue, and waits for them before the process exits.
/// </summary>
internal sealed class TrainingWorker(
    RunStore runs,
    RunExecutor executor,
    WorkQueue queue,
    RunStatePublisher states,
    Workers.WorkerLoad load,
    Workers.FleetHealth fleet,
    UnrecordedEnds unrecorded,
    Security.BindingGuard guard,
    IOptions<ServiceOptions> options,
    ILogger<TrainingWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Nothing trains in a process that is about to refuse its addresses.
            await guard.Opened.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var active = new List<Task>();
        var demos = new List<Task>();
        var limit = options.Value.MaxConcurrentRuns;
        while (!stoppingToken.IsCancellationRequested)
        {
            active.RemoveAll(t => t.IsCompleted);
            demos.RemoveAll(t => t.IsCompleted);
            while (active.Count < limit && Claim(demo: false) is { } run)
                active.Add(Train(run, stoppingToken));
            // The demo lane has no limit of its own: only a new store queues demo runs, two of them.
            while (Claim(demo: true) is { } demo)
                demos.Add(Train(demo, stoppingToken));
            try
            {
                await queue.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await Task.WhenAll(active.Concat(demos));
    }

    private Task Train(RunRecord run, CancellationToken stoppingToken)
    {
        load.Started();
        states.Publish();
        log.LogInformation("Run {Id} ({Name}) starts", run.Id, run.Name);
        var training = Task.Factory.StartNew(() =>
        {
            try
            {
                executor.Execute(run, stoppingToken);
            }
            catch (Exception e)
            {
                // The executor records every end itself; this is for a fault it could not handle, so the run
                // does not stay "running": its end is recorded as soon as the store takes it.
                log.LogError(e, "Run {Id} ({Name}) ended with an unrecorded fault", run.Id, run.Name);
                unrecorded.Add(new UnrecordedEnd(RunLease.Of(run), RunStates.Failed, run.Step, run.Epoch,
                    $"{e.GetType().Name}: {e.Message}", null, DateTimeOffset.UtcNow));
                unrecorded.RecordWaiting();
            }
            finally
            {
                load.Ended();
                states.Publish();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // The wake comes after the task has completed: woken from inside it, the loop could still see
        // the slot taken, go back to waiting, and leave the next queued run waiting for another wake.
        _ = training.ContinueWith(_ => queue.Wake(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return training;
    }

    // A fleet worker whose database is away keeps its loop: the next wake (at most a second later) tries again.
    private RunRecord? Claim(bool demo)
    {
        try
        {
            return runs.ClaimNext(demo);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException)
        {
            fleet.Lost(e);
            return null;
        }
    }
}
