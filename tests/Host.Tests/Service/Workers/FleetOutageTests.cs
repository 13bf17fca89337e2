using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Workers;

/// <summary>
/// PostgreSQL stops while a run trains: the worker says so (/healthz 503, recurrent_worker_store_up 0), and once the
/// database is back it becomes healthy again and the run finishes from its last checkpoint, losing nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FleetOutageTests(PostgresCluster cluster)
{
    // Ten times an interruptible run: the run must still be training when the database stops, and on a quiet
    // machine the usual 800 steps ended between the checkpoint the test waits for and the stop.
    private const int Epochs = TrainingSpecs.InterruptibleEpochs * 10;
    private const long Steps = TrainingSpecs.InterruptibleSteps * 10;

    private static Dictionary<string, object?> Spec(string name) =>
        new(TrainingSpecs.Interruptible(name)) { ["epochs"] = Epochs };

    [Fact]
    public async Task A_worker_reports_a_lost_database_and_its_run_resumes_when_the_database_is_back()
    {
        var database = cluster.NewDatabase();
        await using var worker = await FleetProcess.StartWorkerAsync(database, "outage");
        var reference = (long)(await worker.Client.CreateRunAsync(Spec("reference")))["id"]!;
        await worker.Client.WaitStateAsync(reference, "succeeded", 180);
        Assert.Contains("recurrent_worker_store_up{worker=\"outage\"} 1", await MetricsAsync(worker));
        Assert.Contains("recurrent_worker_capacity_runs{worker=\"outage\"} 1", await MetricsAsync(worker));

        var survivor = (long)(await worker.Client.CreateRunAsync(Spec("survivor")))["id"]!;
        await worker.Client.WaitRunAsync(survivor, r => r.CheckpointStep() >= 30, 180);
        Assert.Contains("recurrent_worker_active_runs{worker=\"outage\"} 1", await MetricsAsync(worker));
        cluster.Stop();
        try
        {
            var down = await WaitHealthAsync(worker, HttpStatusCode.ServiceUnavailable, 30);
            Assert.Equal("degraded", (string?)down["status"]);
            Assert.Contains("PostgreSQL store cannot be reached", (string?)down["store"]);
            Assert.Contains("recurrent_worker_store_up{worker=\"outage\"} 0", await MetricsAsync(worker));
            // A request the store cannot serve is a 503 the client may retry, naming the store, not a bare 500.
            using var refused = await worker.Client.PostAsJsonAsync("/api/runs", Spec("while-down"));
            Assert.Equal("5", refused.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect.ProblemAsync(Task.FromResult(refused), 503, null, "The fleet's PostgreSQL store cannot serve the request now");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        finally
        {
            cluster.Start();
        }
        var up = await WaitHealthAsync(worker, HttpStatusCode.OK, 60);
        Assert.Equal("ok", (string?)up["store"]);
        var finished = await worker.Client.WaitStateAsync(survivor, "succeeded", 180);
        Assert.Equal(Steps, (long)finished["progress"]!["step"]!);
        Weights.AssertIdentical(FleetProcess.StoredWeights(database, reference), FleetProcess.StoredWeights(database, survivor));
        var kinds = (await worker.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{survivor}/events"))!["events"]!.AsArray()
            .Select(e => (string?)e!["kind"]).ToArray();
        // Its lease ran out while the database was away, under a live worker: stopped and requeued, not a death.
        Assert.Contains("stopped", kinds);
        Assert.DoesNotContain("interrupted", kinds);
        Assert.Contains("resumed", kinds);
        Assert.Contains("recurrent_worker_store_up{worker=\"outage\"} 1", await MetricsAsync(worker));
        Assert.Contains("recurrent_worker_active_runs{worker=\"outage\"} 0", await MetricsAsync(worker));
    }

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

    private static async Task<string> MetricsAsync(ServiceProcess worker) => await worker.Client.GetStringAsync("/metrics");

    private static async Task<JsonObject> WaitHealthAsync(ServiceProcess worker, HttpStatusCode status, double seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await worker.Client.GetAsync("/healthz");
            last = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == status)
                return JsonNode.Parse(last)!.AsObject();
            await Task.Delay(100);
        }
        throw new TimeoutException($"/healthz did not answer {status}: {last}");
    }
}
