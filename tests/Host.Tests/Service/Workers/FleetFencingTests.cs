using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Workers;

/// <summary>
/// The fleet's faults, driven exactly: every run is held at a known step (<c>Recurrent:Debug:HoldFile</c>) while the
/// test stops PostgreSQL, pauses a worker past its lease or kills the run's new holder, then let go. PostgreSQL
/// itself records every write with the worker that made it (triggers on a real cluster), so the tests see that the
/// run's step never goes back, that a worker that lost its lease writes nothing, that store outages are not counted
/// as deaths (and that a worker without its database says so: /healthz, metrics, 503s), and that the run ends with
/// the weights of the run trained alone.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FleetFencingTests(PostgresCluster cluster) : IDisposable
{
    private readonly string _hold = Path.Combine(ServiceProcess.NewDataDir(), "hold");

    [Fact]
    public async Task Three_database_outages_in_one_run_are_not_deaths_and_it_ends_with_the_weights_of_the_run_alone()
    {
        var database = cluster.NewDatabase();
        await using var a = await StartAsync(database, "a");
        var reference = await Weights.InterruptibleAloneAsync();
        Assert.Contains("recurrent_worker_store_up{worker=\"a\"} 1", await MetricsAsync(a));
        Assert.Contains("recurrent_worker_capacity_runs{worker=\"a\"} 1", await MetricsAsync(a));
        Hold(30);
        var id = (long)(await a.Client.CreateRunAsync(TrainingSpecs.Interruptible("outages")))["id"]!;
        await HeldAtAsync([a], id, 30);
        Assert.Contains("recurrent_worker_active_runs{worker=\"a\"} 1", await MetricsAsync(a));
        await using var b = await StartAsync(database, "b");
        Audit(database);

        var next = 30L;
        for (var outage = 1; outage <= 3; outage++)
        {
            cluster.Stop();
            try
            {
                next += 40;
                Hold(next); // the holder trains on into its next checkpoint, which the database cannot take
                var down = await WaitDegradedAsync(a);
                if (outage == 1)
                    await AssertSaysTheStoreIsDownAsync(a, down);
                await Task.Delay(TimeSpan.FromSeconds(FleetProcess.LeaseSeconds + 1)); // the lease has surely run out
            }
            finally
            {
                cluster.Start();
                NpgsqlConnection.ClearAllPools(); // the test's own pooled connections died with the server
            }
            await HeldAtAsync([a, b], id, next);
        }
        File.Delete(_hold);
        var finished = await a.Client.WaitStateAsync(id, "succeeded", 180);
        Assert.Equal(TrainingSpecs.InterruptibleSteps, (long)finished["progress"]!["step"]!);
        Assert.Null((string?)finished["error"]);
        Assert.Equal(0L, Count(database, "SELECT COUNT(*) FROM expired_leases;")); // no death was counted
        AssertStepNeverWentBack(database);
        Weights.AssertIdentical(reference, FleetProcess.StoredWeights(database, id));
        // Its lease ran out while the database was away, under a live worker: requeued and resumed, not a death (no
        // expired lease above). The holder requeues it itself ("stopped"), or the other worker does ("interrupted")
        // and the holder's return takes the death back ("worker-returned"), whichever reaches the store first.
        var kinds = (await a.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/events"))!["events"]!.AsArray()
            .Select(e => (string?)e!["kind"]).ToArray();
        Assert.True(kinds.Contains("stopped") || kinds.Contains("worker-returned"), string.Join(", ", kinds));
        Assert.Contains("resumed", kinds);
        foreach (var (worker, name) in new[] { (a, "a"), (b, "b") })
        {
            Assert.Contains($"recurrent_worker_store_up{{worker=\"{name}\"}} 1", await MetricsAsync(worker));
            Assert.Contains($"recurrent_worker_active_runs{{worker=\"{name}\"}} 0", await MetricsAsync(worker));
        }
    }

    /// <summary>
    /// A worker without its database says so (/healthz 503 naming the store, recurrent_worker_store_up 0), and a
    /// request it cannot serve is a 503 the client may retry, naming the store, not a bare 500.
    /// </summary>
    private static async Task AssertSaysTheStoreIsDownAsync(ServiceProcess worker, JsonObject health)
    {
        Assert.Equal("degraded", (string?)health["status"]);
        Assert.Contains("PostgreSQL store cannot be reached", (string?)health["store"]);
        Assert.Contains("recurrent_worker_store_up{worker=\"a\"} 0", await MetricsAsync(worker));
        using var refused = await worker.Client.PostAsJsonAsync("/api/runs", TrainingSpecs.Interruptible("while-down"));
        Assert.Equal("5", refused.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect.ProblemAsync(Task.FromResult(refused), 503, null, "The fleet's PostgreSQL store cannot serve the request now");
    }

    private static async Task<string> MetricsAsync(ServiceProcess worker) => await worker.Client.GetStringAsync("/metrics");

    [Fact]
    public async Task A_worker_paused_past_its_lease_writes_nothing_after_and_the_new_holders_death_is_survived()
    {
        var database = cluster.NewDatabase();
        await using var a = await StartAsync(database, "a");
        var reference = await Weights.InterruptibleAloneAsync();
        Hold(30);
        var id = (long)(await a.Client.CreateRunAsync(TrainingSpecs.Interruptible("paused")))["id"]!;
        await HeldAtAsync([a], id, 30);
        await using var b = await StartAsync(database, "b");
        Audit(database);

        // a is paused (SIGSTOP) past its lease: b queues the run again, claims it and trains it to the held step.
        a.Pause();
        try
        {
            await WaitHolderAsync(database, id, "b", attempts: 2);
            await HeldAtAsync([b], id, 30);
        }
        finally
        {
            Hold(60);
            var resumedAt = Now(database);
            a.Resume(); // a goes on from step 30 as if nothing happened: its next writes would be for step 40
            await WaitGoneAsync(a, "a");
            await HeldAtAsync([b], id, 60);
            var written = Writes(database, "a", resumedAt);
            Assert.True(written.Length == 0, $"worker a wrote after losing its lease: {string.Join("; ", written)}");
        }

        // Then b, the new holder, dies (SIGKILL): a, alive again, takes the run over from b's last checkpoint.
        b.Kill();
        await WaitHolderAsync(database, id, "a", attempts: 3);
        await HeldAtAsync([a], id, 60);
        File.Delete(_hold);
        var finished = await a.Client.WaitStateAsync(id, "succeeded", 180);
        Assert.Equal(TrainingSpecs.InterruptibleSteps, (long)finished["progress"]!["step"]!);
        Assert.Equal(3, (int)finished["attempts"]!);
        // b's death counts once; a's pause not at all.
        Assert.Equal(1L, Count(database, "SELECT COUNT(*) FROM expired_leases;"));
        var kinds = (await a.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/events"))!["events"]!.AsArray()
            .Select(e => (string)e!["kind"]!).ToArray();
        Assert.Contains("worker-returned", kinds);
        Assert.Equal(2, kinds.Count(k => k == "interrupted"));
        AssertStepNeverWentBack(database);
        Weights.AssertIdentical(reference, FleetProcess.StoredWeights(database, id));
    }

    private Task<ServiceProcess> StartAsync(string database, string id) =>
        FleetProcess.StartWorkerAsync(database, id, $"--Recurrent:Debug:HoldFile={_hold}");

    /// <summary>Holds every run of the fleet after <paramref name="step"/> (written beside and renamed: read whole or not at all).</summary>
    private void Hold(long step)
    {
        var temporary = _hold + ".tmp";
        File.WriteAllText(temporary, step.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(temporary, _hold, overwrite: true);
    }

    /// <summary>Until a worker that trains the run reports it at <paramref name="step"/> (held there).</summary>
    private static async Task HeldAtAsync(ServiceProcess[] workers, long id, long step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        var seen = "";
        while (DateTime.UtcNow < deadline)
        {
            foreach (var worker in workers)
            {
                try
                {
                    var run = await worker.Client.GetRunAsync(id);
                    seen = run.ToJsonString();
                    Assert.NotEqual("failed", (string?)run["state"]);
                    if ((string?)run["state"] == "running" && (long)run["progress"]!["step"]! == step)
                        return;
                }
                catch (HttpRequestException)
                {
                }
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"run {id} was not held at step {step}: {seen}");
    }

    private static async Task<JsonObject> WaitDegradedAsync(ServiceProcess worker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await worker.Client.GetAsync("/healthz");
            if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
                return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            await Task.Delay(50);
        }
        throw new TimeoutException("the worker did not notice the database was gone");
    }

    private static async Task WaitHolderAsync(string database, long id, string worker, int attempts)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (Count(database, $"SELECT COUNT(*) FROM runs WHERE id = {id} AND worker = '{worker}' AND attempts = {attempts};") == 1)
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"worker {worker} did not claim run {id} (claim {attempts})");
    }

    /// <summary>Until the worker trains nothing (it noticed, by its heartbeat or a refused write, that the run is not its own).</summary>
    private static async Task WaitGoneAsync(ServiceProcess worker, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if ((await worker.Client.GetStringAsync("/metrics")).Contains($"recurrent_worker_active_runs{{worker=\"{id}\"}} 0", StringComparison.Ordinal))
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"worker {id} kept training a run it lost");
    }

    /// <summary>
    /// Records in PostgreSQL every row written to the run's tables, with the connection's application name (each
    /// worker's is recurrent/ID), the run's step before and after, and an event's kind.
    /// </summary>
    private static void Audit(string database) => Execute(database, """
        CREATE TABLE audit (at timestamptz NOT NULL DEFAULT clock_timestamp(), app text, tbl text, old_step bigint, new_step bigint,
            old_checkpoint bigint, new_checkpoint bigint, kind text);
        CREATE FUNCTION audit_write() RETURNS trigger AS $$
        BEGIN
            INSERT INTO audit (app, tbl, old_step, new_step, old_checkpoint, new_checkpoint, kind) VALUES (
                current_setting('application_name'), TG_TABLE_NAME,
                (to_jsonb(OLD)->>'step')::bigint, (to_jsonb(NEW)->>'step')::bigint,
                (to_jsonb(OLD)->>'checkpoint_step')::bigint, (to_jsonb(NEW)->>'checkpoint_step')::bigint, to_jsonb(NEW)->>'kind');
            RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER audit_runs AFTER INSERT OR UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION audit_write();
        CREATE TRIGGER audit_steps AFTER INSERT OR UPDATE ON gradient_steps FOR EACH ROW EXECUTE FUNCTION audit_write();
        CREATE TRIGGER audit_epochs AFTER INSERT OR UPDATE ON epochs FOR EACH ROW EXECUTE FUNCTION audit_write();
        CREATE TRIGGER audit_events AFTER INSERT OR UPDATE ON events FOR EACH ROW EXECUTE FUNCTION audit_write();
        CREATE TRIGGER audit_artifacts AFTER INSERT OR UPDATE ON artifacts FOR EACH ROW EXECUTE FUNCTION audit_write();
        CREATE TRIGGER audit_digests AFTER INSERT OR UPDATE ON file_digests FOR EACH ROW EXECUTE FUNCTION audit_write();
        """);

    /// <summary>What the worker wrote since <paramref name="since"/>, beside its own return (an event about itself).</summary>
    private static string[] Writes(string database, string worker, DateTime since)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand(
            "SELECT tbl || coalesce(' ' || kind, '') || coalesce(' step ' || new_step, '') FROM audit " +
            "WHERE app = @app AND at > @since AND coalesce(kind, '') <> 'worker-returned' ORDER BY at;", connection);
        command.Parameters.AddWithValue("app", $"recurrent/{worker}");
        command.Parameters.AddWithValue("since", since);
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(reader.GetString(0));
        return [.. rows];
    }

    private static void AssertStepNeverWentBack(string database)
    {
        Assert.True(Count(database, "SELECT COUNT(*) FROM audit WHERE tbl = 'runs';") > 0);
        Assert.Equal(0L, Count(database,
            "SELECT COUNT(*) FROM audit WHERE tbl = 'runs' AND (new_step < old_step OR new_checkpoint < old_checkpoint);"));
    }

    private static DateTime Now(string database)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT clock_timestamp();", connection);
        return (DateTime)command.ExecuteScalar()!;
    }

    private static long Count(string database, string sql)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(string database, string sql)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public void Dispose() => File.Delete(_hold);
}
