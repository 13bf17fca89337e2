using System.Data.Common;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store.Postgres;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// A fleet worker's pulse, every third of a lease: renews the leases of the runs it trains (and stops training any
/// it no longer holds), renews its row in the workers table, and queues again the runs of workers whose leases ran
/// out, waking the training worker to claim them, takes back the expiries of its own leases (this process is alive, so
/// they were no deaths), and refreshes <c>recurrent_runs{state}</c>, which other workers change. A heartbeat that cannot reach the database marks the worker
/// unhealthy; the next one that can makes it healthy again.
/// </summary>
internal sealed class FleetHeartbeat(
    PgRunStore runs,
    PgWorkerStore registry,
    WorkerIdentity worker,
    WorkerLoad load,
    LiveRuns live,
    WorkQueue queue,
    FleetHealth health,
    RunStatePublisher states,
    IServer server,
    IHostApplicationLifetime lifetime,
    IOptions<ServiceOptions> options,
    ILogger<FleetHeartbeat> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = worker.Lease / 3;
        // The first beat lists this worker before it serves, when its addresses are not known yet: the next comes as
        // soon as the server listens, so the workers table never shows a live worker without its addresses for long.
        var listening = new TaskCompletionSource();
        using var started = lifetime.ApplicationStarted.Register(() => listening.TrySetResult());
        while (!stoppingToken.IsCancellationRequested)
        {
            var listened = listening.Task.IsCompleted;
            Beat();
            try
            {
                var next = Task.Delay(interval, stoppingToken);
                if (!listened)
                    await Task.WhenAny(next, listening.Task);
                else
                    await next;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            registry.Leave();
        }
        catch (DbException e)
        {
            log.LogWarning("Could not leave the workers table: {Message}", e.Message);
        }
    }

    private void Beat()
    {
        try
        {
            var training = live.Training();
            var (held, cancelRequested) = runs.RenewLeases([.. training.Select(r => r.Id)]);
            foreach (var run in training.Where(r => !held.Contains(r.Id)))
            {
                log.LogWarning("Run {Id}: the lease is no longer this worker's; stopping it here", run.Id);
                run.Abandon();
            }
            // A cancel sent to another worker's API reaches the run's worker here.
            foreach (var run in training.Where(r => cancelRequested.Contains(r.Id)))
                run.RequestCancel();
            var urls = string.Join(";", WorkerEndpoints.ListenAddresses(server));
            registry.Beat(load.Active, urls);
            // Alive: the leases that ran out under this process (it lost the database, or was paused) were no deaths.
            var revived = runs.Revive();
            if (revived.Count > 0)
                log.LogInformation("Runs {Ids}: their leases ran out under this live worker; not counted as deaths", string.Join(", ", revived));
            // A failed run keeps its checkpoint: a failure never deletes one.
            var (requeued, failed) = runs.RequeueInterrupted(options.Value.MaxRunInterruptions);
            if (requeued.Count + failed.Count > 0)
            {
                log.LogInformation("Runs {Ids} lost their worker; queued again", string.Join(", ", requeued.Concat(failed)));
                queue.Wake();
            }
            // Other workers change the counts too: recurrent_runs{state} is refreshed with every beat.
            states.Publish();
            if (health.Problem is not null)
            {
                log.LogInformation("The PostgreSQL store is reachable again");
                queue.Wake();
            }
            health.Reached();
        }
        catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException)
        {
            if (health.Problem is null)
                log.LogError("The PostgreSQL store cannot be reached: {Message}", e.Message);
            health.Lost(e);
        }
    }
}
