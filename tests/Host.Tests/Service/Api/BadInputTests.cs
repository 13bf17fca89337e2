using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Api;

/// <summary>Every refused request gets a 4xx problem+json that names the field, and leaves the store as it was.</summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task Refused_requests_name_the_field_and_change_nothing()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir, extraArgs: ["--Recurrent:MaxUploadBytes=2048"]);
        var client = service.Client;
        using (var ok = await client.PostAsync("/api/datasets?name=toy.jsonl",
                   new StringContent("{\"label\":\"a\",\"tokens\":[\"x\",\"y\"]}\n{\"label\":\"b\",\"tokens\":[\"y\"]}\n")))
            Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var run = await client.CreateRunAsync(new { name = "tiny", dataset_id = 1, hidden = 4, epochs = 1, batch = 2 });
        await client.WaitStateAsync((long)run["id"]!, "succeeded");
        var before = await SnapshotAsync(service);

        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\",")), 400, null, "Malformed JSON");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"colour\": 1}")), 400, "colour", "unknown field");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"hidden\": \"many\"}")), 400, "hidden", "whole number");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"epochs\": 1.5}")), 400, "epochs", "whole number");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"bidirectional\": \"yes\"}")), 400, "bidirectional", "true or false");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"cell\": \"transformer\"}")), 400, "cell", "lstm");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"lr\": -1}")), 400, "lr", "positive");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"bptt\": \"5\"}")), 400, "bptt", "K1,K2");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"nonsense:3\"}")), 400, "data", "unknown dataset");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"/etc/passwd.csv\"}")), 400, "data", "uploaded");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:100000\"}")), 400, "data", "MaxSequenceLength");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"count\": 0}")), 400, "count", "at least 1");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"dataset_id\": 99}")), 400, "dataset_id", "99");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{}")), 400, "data", "either");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"name\": \"tiny\"}")), 409, "name", "exists");
        await ExpectAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"name\": \"../x\"}")), 400, "name", "letters");
        await ExpectAsync(client.PostAsync("/api/runs", new StringContent("data=adding:10", Encoding.UTF8, "text/plain")), 415, null, "application/json");

        await ExpectAsync(client.PostAsync("/api/datasets?name=big.jsonl", new StringContent(new string(' ', 4096))), 413, "body", "MaxUploadBytes");
        await ExpectAsync(client.PostAsync("/api/datasets?name=bad.jsonl", new StringContent("{\"label\":\"a\",\"tokens\":[\"x\"]}\n{\"label\":\"b\",\"tokens\":[1]}\n")), 400, "tokens[0]", "bad.jsonl, line 2");
        await ExpectAsync(client.PostAsync("/api/datasets?name=bad.csv", new StringContent("label,text\na,\"unterminated\n")), 400, "column 2", "bad.csv");
        await ExpectAsync(client.PostAsync("/api/datasets?name=data.docx", new StringContent("x")), 400, "name", "must end in .jsonl, .csv, .conll or .txt");
        await ExpectAsync(client.PostAsync("/api/datasets", new StringContent("x")), 400, "name", "name=");

        await ExpectAsync(client.GetAsync("/api/runs/999"), 404, "id", "999");
        await ExpectAsync(client.GetAsync("/api/runs/abc"), 404, "id", "abc");
        await ExpectAsync(client.GetAsync("/api/runs/999/gradients"), 404, "id", "999");
        await ExpectAsync(client.PostAsync("/api/runs/999/cancel", null), 404, "id", "999");
        await ExpectAsync(client.GetAsync("/api/runs/999/model.onnx"), 404, "id", "999");
        await ExpectAsync(client.PostAsync("/api/runs/999/predict", ApiClient.Json("{\"records\": [{\"tokens\": [\"x\"]}]}")), 404, "id", "999");
        await ExpectAsync(client.PostAsync("/api/runs/1/cancel", null), 409, null, "succeeded");

        await ExpectAsync(client.PostAsync("/api/runs/1/predict", ApiClient.Json("{\"records\": [{\"steps\": [[1, 2]]}]}")), 400, "records[0].steps", "tokens");
        await ExpectAsync(client.PostAsync("/api/runs/1/predict", ApiClient.Json("{\"records\": []}")), 400, "records", "at least one");
        await ExpectAsync(client.PostAsync("/api/runs/1/predict", ApiClient.Json("{\"rows\": []}")), 400, "rows", "unknown field");
        await ExpectAsync(client.PostAsync("/api/runs/1/predict", ApiClient.Json("{\"records\": [{\"tokens\": \"x y\"}]}")), 400, "records[0].tokens", "array");

        var after = await SnapshotAsync(service);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Predictions_with_the_wrong_feature_width_name_the_step()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir);
        var run = await service.Client.CreateRunAsync(new { data = "adding:8", count = 32, cell = "rnn", hidden = 4, epochs = 1, batch = 16 });
        var id = (long)run["id"]!;
        await service.Client.WaitStateAsync(id, "succeeded");

        await ExpectAsync(service.Client.PostAsync($"/api/runs/{id}/predict",
            ApiClient.Json("{\"records\": [{\"steps\": [[0.5, 1], [0.2, 0]]}, {\"steps\": [[0.5, 1, 3]]}]}")), 400, "records[1].steps[0]", "2 features per step");
        await ExpectAsync(service.Client.PostAsync($"/api/runs/{id}/predict",
            ApiClient.Json("{\"records\": [{\"steps\": [0.5, 0.1]}]}")), 400, "records[0].steps[0]", "2 features");
        using var good = await service.Client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json("{\"records\": [{\"steps\": [[0.5, 1], [0.2, 0], [0.3, 1]]}]}"));
        var body = JsonNode.Parse(await good.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.NotNull(body["predictions"]![0]!["value"]);
    }

    private static async Task ExpectAsync(Task<HttpResponseMessage> call, int status, string? field, string text)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Contains(text, (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(field, (string?)problem["field"]);
    }

    /// <summary>Everything a refused request could have touched: runs, datasets and the data directory's files.</summary>
    private static async Task<string> SnapshotAsync(ServiceProcess service)
    {
        var runs = await service.Client.GetFromJsonAsync<JsonObject>("/api/runs");
        var datasets = await service.Client.GetFromJsonAsync<JsonObject>("/api/datasets");
        var files = Directory.EnumerateFiles(service.DataDir, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith("recurrent.db", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(service.DataDir, f)).Order(StringComparer.Ordinal);
        return $"{runs!.ToJsonString()}\n{datasets!.ToJsonString()}\n{string.Join('\n', files)}";
    }
}
