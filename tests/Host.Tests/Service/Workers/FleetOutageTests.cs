using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Workers;

/// <summary>
/// What is not an outage of the fleet's PostgreSQL: a statement the database refuses fails the run. (An outage, the
/// database stopped while a run trains, is driven exactly in <see cref="FleetFencingTests"/>.)
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FleetOutageTests(PostgresCluster cluster)
{
    private static Dictionary<string, object?> Spec(string name) =>
        new(TrainingSpecs.Interruptible(name)) { ["epochs"] = TrainingSpecs.InterruptibleEpochs * 10 };

    [Fact]
    public async Task A_statement_the_database_refuses_fails_the_run_rather_than_requeueing_it_at_every_resume()
    {
        var database = cluster.NewDatabase();
        await using var worker = await FleetProcess.StartWorkerAsync(database, "refusal");
        var run = (long)(await worker.Client.CreateRunAsync(Spec("refused")))["id"]!;
        await worker.Client.WaitRunAsync(run, r => r.CheckpointStep() >= 20, 180);
        // From here on the database refuses the run's gradient rows: reachable, but the statement is refused, as a
        // bug in it would be. Counted as an outage, the run went back to the queue and met the refusal again, for ever.
        using (var connection = new Npgsql.NpgsqlConnection(database))
        {
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand(
                "CREATE FUNCTION refuse_steps() RETURNS trigger LANGUAGE plpgsql AS " +
                "$$ BEGIN RAISE EXCEPTION 'gradient rows refused by the test'; END $$; " +
                "CREATE TRIGGER refuse_steps BEFORE INSERT ON gradient_steps FOR EACH ROW EXECUTE FUNCTION refuse_steps();", connection);
            command.ExecuteNonQuery();
        }

        var failed = await worker.Client.WaitRunAsync(run, r => (string?)r["state"] is "failed" or "succeeded" or "cancelled", 60);
        Assert.True((string?)failed["state"] == "failed", failed.ToJsonString());
        Assert.Contains("gradient rows refused by the test", (string?)failed["error"], StringComparison.Ordinal);
        Assert.Equal(0, FleetProcess.EventCounts(database, "stopped").GetValueOrDefault(run));
        // The store itself is fine: the worker stays healthy.
        using var health = await worker.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
