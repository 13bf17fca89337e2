using Npgsql;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Workers;

/// <summary>
/// A worker that finds another worker holding its run's lease stops training it and stops exporting it: the run's
/// series leave that worker's /metrics at once instead of staying "running" beside its new worker's.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LostLeaseTests(PostgresCluster cluster)
{
    [Fact]
    public async Task A_worker_that_lost_a_runs_lease_stops_exporting_the_run()
    {
        var database = cluster.NewDatabase();
        await using var worker = await FleetProcess.StartWorkerAsync(database, "loser");
        var spec = TrainingSpecs.Interruptible("taken-over");
        spec["epochs"] = 5000; // far more than the test watches, on any machine
        var id = (long)(await worker.Client.CreateRunAsync(spec))["id"]!;
        await worker.Client.WaitRunAsync(id, r => (string?)r["state"] == "running" && r.CheckpointStep() >= 10, 180);
        const string running = "recurrent_run_info{run=\"taken-over\",state=\"running\"} 1";
        Assert.Contains(running, await worker.Client.GetStringAsync("/metrics"));

        // Another worker has taken the run over (for an hour, so no one hands it back to the queue meanwhile); a
        // claim is its holder's process incarnation, which the loser's renewals are fenced by.
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "UPDATE runs SET worker = 'winner', incarnation = 'winner-1', lease_until = now() + interval '1 hour' WHERE id = @id;", connection);
            command.Parameters.AddWithValue("id", id);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        // The loser's heartbeat (a third of a lease) notices; then no series of the run is left on its /metrics.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string metrics;
        do
        {
            await Task.Delay(200);
            metrics = await worker.Client.GetStringAsync("/metrics");
        }
        while (metrics.Contains("run=\"taken-over\"", StringComparison.Ordinal) && DateTime.UtcNow < deadline);
        Assert.DoesNotContain("run=\"taken-over\"", metrics, StringComparison.Ordinal);
        Assert.Contains("recurrent_worker_active_runs{worker=\"loser\"} 0", metrics);
    }
}
