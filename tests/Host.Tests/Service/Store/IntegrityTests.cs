using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Store;

/// <summary>
/// Damage from outside, each named to the user and never used: a flipped bit in a model, a corrupt model.bin, an
/// edited dataset file, an overwritten page of recurrent.db.
/// </summary>
public sealed class IntegrityTests
{
    [Fact]
    public async Task Damaged_models_and_datasets_are_named_and_never_used()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir);
        var client = service.Client;
        using (var upload = await client.PostAsync("/api/datasets?name=two.jsonl",
                   new StringContent("{\"label\":\"a\",\"tokens\":[\"x\",\"y\"]}\n{\"label\":\"b\",\"tokens\":[\"y\"]}\n")))
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var id = (long)(await client.CreateRunAsync(new { dataset_id = 1, hidden = 4, epochs = 1, batch = 2 }))["id"]!;
        await client.WaitStateAsync(id, "succeeded");

        Flip(Path.Combine(dataDir, $"runs/{id}/model.onnx"));
        await Expect.ProblemAsync(client.PostAsJsonAsync($"/api/runs/{id}/predict", new { records = new[] { new { tokens = new[] { "x" } } } }),
            500, "file", $"runs/{id}/model.onnx is damaged");
        await Expect.ProblemAsync(client.GetAsync($"/api/runs/{id}/model.onnx"), 500, "file", "It is not used");

        Flip(Path.Combine(dataDir, $"runs/{id}/model.bin"));
        await Expect.ProblemAsync(client.GetAsync($"/api/runs/{id}/model.zip"), 500, "file", $"runs/{id}/model.bin is damaged");

        // The dataset's file edited behind the service's back: a third class its record does not have.
        File.AppendAllText(Path.Combine(dataDir, "datasets/1.jsonl"), "{\"label\":\"c\",\"tokens\":[\"z\"]}\n");
        await Expect.ProblemAsync(client.PostAsync("/api/runs", ApiClient.Json(new { dataset_id = 1, hidden = 4, epochs = 1 })),
            500, "file", "datasets/1.jsonl is damaged");
        Assert.Equal(1, await Expect.RunCountAsync(client));
    }

    [Fact]
    public async Task A_damaged_store_is_reported_degraded_and_requests_that_touch_it_say_why()
    {
        var dataDir = ServiceProcess.NewDataDir();
        long id;
        await using (var service = await ServiceProcess.StartAsync(dataDir))
        {
            id = (long)(await service.Client.CreateRunAsync(new { data = "adding:10", count = 64, hidden = 4, epochs = 3, batch = 4 }))["id"]!;
            await service.Client.WaitStateAsync(id, "succeeded");
            Assert.Equal(0, await service.TerminateAsync(TimeSpan.FromSeconds(60)));
        }
        // Everything in the main file, then one page of the gradient history overwritten.
        var path = Path.Combine(dataDir, "recurrent.db");
        long page, root;
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var checkpoint = new SqliteCommand("PRAGMA wal_checkpoint(TRUNCATE);", connection);
            checkpoint.ExecuteNonQuery();
            using var size = new SqliteCommand("PRAGMA page_size;", connection);
            page = (long)size.ExecuteScalar()!;
            using var table = new SqliteCommand("SELECT rootpage FROM sqlite_master WHERE name = 'gradient_steps';", connection);
            root = (long)table.ExecuteScalar()!;
        }
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Position = (root - 1) * page;
            file.Write(Enumerable.Repeat((byte)0x5A, (int)page).ToArray());
        }

        await using var damaged = await ServiceProcess.StartAsync(dataDir, extraArgs: ["--Recurrent:IntegrityCheckSeconds=1"], waitHealthy: false);
        var health = await WaitHealthAsync(damaged.Client, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("degraded", (string?)health["status"]);
        Assert.Contains("recurrent.db is damaged", (string?)health["store"], StringComparison.Ordinal);
        await Expect.ProblemAsync(damaged.Client.GetAsync($"/api/runs/{id}/gradients"), 503, null, "The service's store is damaged");
    }

    private static void Flip(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x04;
        File.WriteAllBytes(path, bytes);
    }

    private static async Task<JsonObject> WaitHealthAsync(HttpClient client, HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await client.GetAsync("/healthz");
                last = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == status)
                    return JsonNode.Parse(last)!.AsObject();
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"/healthz did not answer {status}: {last}");
    }
}
