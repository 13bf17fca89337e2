using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Recurrent.Host.Tests.Service;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Tests.Support;

/// <summary>Workers of one fleet as real `recurrent serve` processes, each with a data directory of its own.</summary>
internal static class FleetProcess
{
    /// <summary>A short lease, so a killed worker's run moves within seconds.</summary>
    public const int LeaseSeconds = 3;

    public static Task<ServiceProcess> StartWorkerAsync(string connectionString, string id, params string[] extra) =>
        ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), extraArgs:
        [
            "--postgres", connectionString, "--worker-id", id, $"--Recurrent:LeaseSeconds={LeaseSeconds}",
            "--Recurrent:CheckpointEverySteps=10", .. extra,
        ]);

    /// <summary>A run of a few steps.</summary>
    public static Dictionary<string, object?> Quick(string name) => new()
    {
        ["name"] = name,
        ["data"] = "temporal-order:20",
        ["count"] = 64,
        ["cell"] = "gru",
        ["hidden"] = 8,
        ["epochs"] = 2,
        ["batch"] = 16,
        ["seed"] = 3,
    };

    public static async Task<JsonObject[]> RunsAsync(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonObject>("/api/runs"))!["runs"]!.AsArray().Select(r => r!.AsObject())];

    /// <summary>Polls until every run has ended; fails with the runs' states on timeout.</summary>
    public static async Task<JsonObject[]> WaitAllEndedAsync(HttpClient client, int count, double seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        JsonObject[] runs;
        do
        {
            runs = await RunsAsync(client);
            if (runs.Length == count && runs.All(r => (string?)r["state"] is "succeeded" or "failed" or "cancelled"))
                return runs;
            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException("the fleet did not drain its queue: " +
            string.Join(", ", runs.Select(r => $"{r["id"]}:{r["state"]}@{r["worker"]}")));
    }

    /// <summary>How many times each run's event log has an event of this kind, by run id.</summary>
    public static Dictionary<long, long> EventCounts(string connectionString, string kind)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT run_id, COUNT(*) FROM events WHERE kind = @kind GROUP BY run_id;", connection);
        command.Parameters.AddWithValue("kind", kind);
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<long, long>();
        while (reader.Read())
            counts[reader.GetInt64(0)] = reader.GetInt64(1);
        return counts;
    }

    /// <summary>A finished run's weights, read from the model the fleet stored in PostgreSQL.</summary>
    public static float[][] StoredWeights(string connectionString, long runId)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT content FROM artifacts WHERE key = @key;", connection);
        command.Parameters.AddWithValue("key", $"runs/{runId}/model.bin");
        var content = command.ExecuteScalar() as byte[] ?? throw new InvalidOperationException($"run {runId}: no model in the store");
        var path = Path.Combine(ServiceProcess.NewDataDir(), "model.bin");
        File.WriteAllBytes(path, content);
        return SequenceModel.Load(path).Parameters.Select(p => p.Value.ToArray()).ToArray();
    }
}
