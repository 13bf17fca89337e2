using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Recurrent.Host.Service;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Api;

/// <summary>
/// The OpenAPI document against the service's live answers: the probe's requests, and one more for each status a
/// route documents, are sent, and every answer's status must be documented for its route and its body must conform
/// to the schema documented for that status (types, nullability, required and undeclared fields). Each status the
/// document lists must have been seen, except the few that need a fault this process cannot cause (a full disk, a
/// store gone), which the fault tests cover with the same problem+json. It runs a fleet worker (PostgreSQL), so sweeps
/// answer too, and damage is done to the stored copies, which a worker cannot heal from.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OpenApiConformanceTests(PostgresCluster cluster) : IDisposable
{
    private readonly string _hold = Path.Combine(ServiceProcess.NewDataDir(), "hold");

    /// <summary>Statuses no in-process request can cause, with the test that causes them.</summary>
    private static readonly string[] Elsewhere =
    [
        "503", // the store damaged or unreachable: IntegrityTests, FleetOutageTests
        "507", // a full disk: FullDiskTests
        "408", // a body too slow or a deadline passed: PredictCapacityTests
        "429", // every slot busy for the whole wait: UploadLimitTests, PredictMemoryTests
        "422", // a model ONNX Runtime cannot load: PredictionEnginesTests
        "GET /api/sweeps/{id} 409", // the embedded store has no sweeps (this test runs a fleet's store, for sweeps): SweepTests
    ];

    [Fact]
    public async Task Every_answer_is_documented_for_its_route_and_conforms_to_its_schema()
    {
        var dataDir = ServiceProcess.NewDataDir();
        var database = cluster.NewDatabase();
        // The token as configuration, not the process's environment, which tests running beside this one share.
        await using var app = ServiceApp.Build(new ServiceApp.CommandLineSettings("http://127.0.0.1:0", dataDir, NoDemo: true,
            [$"--Recurrent:Debug:HoldFile={_hold}", "--Recurrent:MaxUploadBytes=65536", $"--Recurrent:Token={ServiceProcess.TestToken}"])
        {
            Postgres = database,
            WorkerId = "documented",
        });
        await app.StartAsync();
        app.Services.GetRequiredService<Recurrent.Host.Service.Security.BindingGuard>().Open();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", ServiceProcess.TestToken);
        using var anonymous = new HttpClient { BaseAddress = new Uri(address) };
        var document = (await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var schemas = new OpenApiSchema(document);
        var seen = new HashSet<string>();
        var failures = new List<string>();

        async Task<JsonNode?> Send(string method, string route, string url, HttpContent? body = null, HttpClient? by = null)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = body };
            using var response = await (by ?? client).SendAsync(request);
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var text = await response.Content.ReadAsStringAsync();
            var operation = document["paths"]![route]![method.ToLowerInvariant()]!;
            seen.Add($"{method} {route} {status}");
            if (operation["responses"]![status] is not { } documented)
            {
                failures.Add($"{method} {url}: {status} is not documented ({text[..Math.Min(200, text.Length)]})");
                return null;
            }
            var type = response.Content.Headers.ContentType?.MediaType;
            if (type is "application/json" or "application/problem+json")
            {
                if (documented["content"]?[type]?["schema"] is not { } schema)
                {
                    failures.Add($"{method} {url}: {status} {type} has no documented schema");
                    return null;
                }
                var value = JsonNode.Parse(text);
                failures.AddRange(schemas.Check(schema, value).Select(e => $"{method} {url} {status}: {e}"));
                return value;
            }
            return null;
        }

        const string Runs = "/api/runs", Run = "/api/runs/{id}", Cancel = "/api/runs/{id}/cancel", Predict = "/api/runs/{id}/predict";
        await Send("GET", "/healthz", "/healthz");
        await Send("GET", "/api/datasets", "/api/datasets");
        await Send("POST", "/api/datasets", "/api/datasets?name=toy.jsonl", new StringContent("{\"label\":\"a\",\"tokens\":[\"x\"]}\n{\"label\":\"b\",\"tokens\":[\"y\"]}\n"));
        await Send("POST", "/api/datasets", "/api/datasets?name=toy.txt", new StringContent("x"));
        await Send("POST", "/api/datasets", "/api/datasets?name=big.jsonl", new ByteArrayContent(new byte[70_000]));
        await Send("POST", "/api/datasets", "/api/datasets?name=other.jsonl", new StringContent("{\"label\":\"a\",\"tokens\":[\"x\"]}\n{\"label\":\"b\",\"tokens\":[\"y\"]}\n"));
        await Send("POST", "/api/datasets", "/api/datasets?name=toy.jsonl", new StringContent("x"), anonymous);
        var created = await Send("POST", Runs, Runs, ApiClient.Json(new { name = "r", data = "adding:8", count = 64, cell = "gru", hidden = 4, epochs = 2, batch = 16 }));
        var id = (long)created!["id"]!;
        await client.WaitStateAsync(id, "succeeded");
        var spare = (long)(await Send("POST", Runs, Runs, ApiClient.Json(new { data = "adding:8", count = 64, hidden = 4, epochs = 1 })))!["id"]!;
        await client.WaitStateAsync(spare, "succeeded");
        await Send("POST", Runs, Runs, ApiClient.Json(new { name = "r", data = "adding:8" }));
        await Send("POST", Runs, Runs, ApiClient.Json("{\"data\": \"adding:8\", \"hidden\": \"many\"}"));
        await Send("POST", Runs, Runs, new StringContent("{}", Encoding.UTF8, "text/plain"));
        await Send("POST", Runs, Runs, ApiClient.Json("{\"data\": \"" + new string('x', 200_000) + "\"}"));
        await Send("POST", Runs, Runs, ApiClient.Json("{}"), anonymous);
        await Send("GET", Runs, Runs);
        await Send("GET", Run, $"/api/runs/{id}");
        await Send("GET", Run, "/api/runs/99");
        foreach (var (route, query) in new[] { ("/api/runs/{id}/gradients", "?limit=2"), ("/api/runs/{id}/events", "?limit=2") })
        {
            await Send("GET", route, $"{route.Replace("{id}", $"{id}", StringComparison.Ordinal)}{query}");
            await Send("GET", route, $"{route.Replace("{id}", $"{id}", StringComparison.Ordinal)}?limit=0");
            await Send("GET", route, route.Replace("{id}", "99", StringComparison.Ordinal));
        }
        foreach (var route in new[] { "/api/runs/{id}/model.onnx", "/api/runs/{id}/model.zip" })
        {
            await Send("GET", route, route.Replace("{id}", $"{id}", StringComparison.Ordinal));
            await Send("GET", route, route.Replace("{id}", "99", StringComparison.Ordinal));
        }
        await Send("POST", Predict, $"/api/runs/{id}/predict", ApiClient.Json(new { records = new[] { new { steps = new[] { new[] { 0.5, 1.0 } } } } }));
        await Send("POST", Predict, $"/api/runs/{id}/predict", ApiClient.Json("{\"records\": []}"));
        await Send("POST", Predict, $"/api/runs/{id}/predict", new StringContent("{}", Encoding.UTF8, "text/plain"));
        await Send("POST", Predict, $"/api/runs/{id}/predict", ApiClient.Json("{\"records\": [" + string.Join(",", Enumerable.Repeat("{\"steps\": [[0.5, 1]]}", 5000)) + "]}"));
        await Send("POST", Predict, $"/api/runs/{id}/predict", ApiClient.Json("{\"records\": [" + string.Join(",", Enumerable.Repeat("{\"steps\": [[0.5, 1]]}", 20000)) + "]}"));
        await Send("POST", Predict, "/api/runs/99/predict", ApiClient.Json("{\"records\": []}"));
        // A per-step model (a tagger on a JSONL set with a label per token): tokens, labels and step probabilities.
        var tags = string.Concat(Enumerable.Range(0, 40).Select(i => i % 2 == 0
            ? "{\"tokens\":[\"ann\",\"met\",\"bob\"],\"labels\":[\"PER\",\"O\",\"PER\"]}\n"
            : "{\"tokens\":[\"to\",\"paris\"],\"labels\":[\"O\",\"LOC\"]}\n"));
        var tagsId = (long)(await Send("POST", "/api/datasets", "/api/datasets?name=tags.jsonl", new StringContent(tags)))!["id"]!;
        var tagger = (long)(await Send("POST", Runs, Runs, ApiClient.Json(new { dataset_id = tagsId, hidden = 4, epochs = 1 })))!["id"]!;
        await client.WaitStateAsync(tagger, "succeeded");
        var tagged = await Send("POST", Predict, $"/api/runs/{tagger}/predict",
            ApiClient.Json("{\"records\": [{\"tokens\": [\"ann\", \"met\", \"zoe\"]}, {\"text\": \"To Paris\"}]}"));
        Assert.Equal(3, tagged!["predictions"]![0]!["labels"]!.AsArray().Count);
        // A per-step regression on numeric steps: values, no tokens.
        var targets = string.Concat(Enumerable.Range(0, 40).Select(i => $"{{\"steps\":[[{i % 5}],[1],[{i % 3}]],\"targets\":[{i % 5},{i % 5 + 1},0.5]}}\n"));
        var seriesId = (long)(await Send("POST", "/api/datasets", "/api/datasets?name=series.jsonl", new StringContent(targets)))!["id"]!;
        var series = (long)(await Send("POST", Runs, Runs, ApiClient.Json(new { dataset_id = seriesId, hidden = 4, epochs = 1 })))!["id"]!;
        await client.WaitStateAsync(series, "succeeded");
        var valued = await Send("POST", Predict, $"/api/runs/{series}/predict", ApiClient.Json("{\"records\": [{\"steps\": [1, 2, 3, 4]}]}"));
        Assert.Equal(4, valued!["predictions"]![0]!["values"]!.AsArray().Count);
        Assert.Null(valued["predictions"]![0]!["tokens"]);
        // An encoder–decoder: a decoded output per record, and its two graphs (a sequence model has neither).
        var reverse = (long)(await Send("POST", Runs, Runs, ApiClient.Json(new { data = "reverse:3", count = 32, hidden = 4, epochs = 1 })))!["id"]!;
        await client.WaitStateAsync(reverse, "succeeded");
        var decoded = await Send("POST", Predict, $"/api/runs/{reverse}/predict", ApiClient.Json("{\"records\": [{\"tokens\": [\"a\", \"b\"]}]}"));
        Assert.NotNull(decoded!["predictions"]![0]!["output"]);
        foreach (var route in new[] { "/api/runs/{id}/encoder.onnx", "/api/runs/{id}/decoder.onnx" })
        {
            await Send("GET", route, route.Replace("{id}", $"{reverse}", StringComparison.Ordinal));
            await Send("GET", route, route.Replace("{id}", $"{id}", StringComparison.Ordinal));
            await Send("GET", route, route.Replace("{id}", "99", StringComparison.Ordinal));
        }
        await Send("POST", Predict, $"/api/runs/{id}/predict", ApiClient.Json("{}"), anonymous);
        await Send("POST", Cancel, $"/api/runs/{id}/cancel");
        await Send("POST", Cancel, "/api/runs/99/cancel");
        await Send("POST", Cancel, $"/api/runs/{id}/cancel", by: anonymous);

        // A queued run: cancelled at once; its files and predictions are a conflict.
        File.WriteAllText(_hold, "1");
        var held = (long)(await Send("POST", Runs, Runs, ApiClient.Json(new { data = "adding:8", count = 64, hidden = 4, epochs = 50, batch = 16 })))!["id"]!;
        var queued = (long)(await Send("POST", Runs, Runs, ApiClient.Json(new { data = "adding:8", count = 64, hidden = 4, epochs = 1 })))!["id"]!;
        await client.WaitRunAsync(held, r => (long)r["progress"]!["step"]! == 1);
        await Send("GET", Run, $"/api/runs/{held}"); // live: latest and gradient from memory
        await Send("GET", Run, $"/api/runs/{queued}"); // queued: no latest, no gradient, no result
        await Send("GET", "/api/runs/{id}/model.onnx", $"/api/runs/{queued}/model.onnx");
        await Send("GET", "/api/runs/{id}/model.zip", $"/api/runs/{queued}/model.zip");
        await Send("POST", Predict, $"/api/runs/{queued}/predict", ApiClient.Json(new { records = new[] { new { steps = new[] { new[] { 0.5, 1.0 } } } } }));
        await Send("POST", Cancel, $"/api/runs/{queued}/cancel");
        await Send("POST", Cancel, $"/api/runs/{held}/cancel"); // running: accepted, it ends cancelled
        await client.WaitStateAsync(held, "cancelled");
        await Send("GET", Run, $"/api/runs/{held}");

        // Sweeps: queued, ranked, refused.
        var sweep = (long)(await Send("POST", "/api/sweeps", "/api/sweeps",
            ApiClient.Json(new { name = "sw", @base = new { data = "adding:8", count = 16, epochs = 1, max_steps = 0 }, grid = new { hidden = new[] { 2, 4 } } })))!["id"]!;
        await Send("POST", "/api/sweeps", "/api/sweeps", ApiClient.Json(new { name = "sw", @base = new { data = "adding:8" }, grid = new { hidden = new[] { 2 } } }));
        await Send("POST", "/api/sweeps", "/api/sweeps", ApiClient.Json("{\"grid\": {\"hidden\": [2], \"hidden\": [4]}}"));
        await Send("POST", "/api/sweeps", "/api/sweeps", new StringContent("{}", Encoding.UTF8, "text/plain"));
        await Send("POST", "/api/sweeps", "/api/sweeps", ApiClient.Json("{\"name\": \"" + new string('x', 200_000) + "\"}"));
        await Send("GET", "/api/sweeps/{id}", $"/api/sweeps/{sweep}");
        await Send("GET", "/api/sweeps/{id}", "/api/sweeps/99");

        // Damage to the stored copies: named in a 500, never used.
        Damage(database, $"runs/{spare}/model.onnx", Path.Combine(dataDir, $"runs/{spare}/model.onnx"));
        await Send("GET", "/api/runs/{id}/model.onnx", $"/api/runs/{spare}/model.onnx");
        await Send("POST", Predict, $"/api/runs/{spare}/predict", ApiClient.Json(new { records = new[] { new { steps = new[] { new[] { 0.5, 1.0 } } } } }));
        Damage(database, $"runs/{spare}/model.bin", Path.Combine(dataDir, $"runs/{spare}/model.bin"));
        await Send("GET", "/api/runs/{id}/model.zip", $"/api/runs/{spare}/model.zip");
        foreach (var graph in new[] { "encoder", "decoder" })
        {
            Damage(database, $"runs/{reverse}/model.{graph}.onnx", Path.Combine(dataDir, $"runs/{reverse}/model.{graph}.onnx"));
            await Send("GET", $"/api/runs/{{id}}/{graph}.onnx", $"/api/runs/{reverse}/{graph}.onnx");
        }
        Damage(database, "datasets/2.jsonl", Path.Combine(dataDir, "datasets/2.jsonl"));
        await Send("POST", Runs, Runs, ApiClient.Json(new { dataset_id = 2, hidden = 4, epochs = 1 }));
        await Send("POST", "/api/sweeps", "/api/sweeps", ApiClient.Json(new { @base = new { dataset_id = 2 }, grid = new { hidden = new[] { 2 } } }));

        await Send("GET", "/api/workers", "/api/workers");
        await Send("GET", "/api/sweeps", "/api/sweeps");
        await Send("GET", "/api/sweeps/{id}", "/api/sweeps/1");
        await Send("POST", "/api/sweeps", "/api/sweeps", ApiClient.Json(new { grid = new { hidden = new[] { 4 } } }));
        await Send("POST", "/api/sweeps", "/api/sweeps", ApiClient.Json("{}"), anonymous);
        await app.StopAsync();

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var documented = document["paths"]!.AsObject()
            .Where(p => p.Key.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(p => p.Value!.AsObject().SelectMany(o => o.Value!["responses"]!.AsObject()
                .Select(r => $"{o.Key.ToUpperInvariant()} {p.Key} {r.Key}")))
            .Where(s => !Elsewhere.Contains(s.Split(' ')[^1]) && !Elsewhere.Contains(s))
            .ToArray();
        var unseen = documented.Where(d => !seen.Contains(d)).ToArray();
        Assert.True(unseen.Length == 0, "documented but never answered:\n" + string.Join("\n", unseen));
    }

    /// <summary>Flips a byte of the stored copy of <paramref name="key"/> and drops the worker's local one.</summary>
    private static void Damage(string database, string key, string local)
    {
        using var connection = new Npgsql.NpgsqlConnection(database);
        connection.Open();
        using var command = new Npgsql.NpgsqlCommand(
            "UPDATE artifacts SET content = set_byte(content, length(content) / 2, (get_byte(content, length(content) / 2) + 1) % 256) WHERE key = @key;",
            connection);
        command.Parameters.AddWithValue("key", key);
        Assert.Equal(1, command.ExecuteNonQuery());
        File.Delete(local);
    }

    public void Dispose() => File.Delete(_hold);
}
