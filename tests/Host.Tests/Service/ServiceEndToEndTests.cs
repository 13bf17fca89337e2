using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service;

/// <summary>Upload, train, watch, download and predict against a real `recurrent serve`.</summary>
public sealed class ServiceEndToEndTests
{
    [Fact]
    public async Task Uploaded_dataset_trains_and_its_model_predicts_like_the_cli()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir);
        var client = service.Client;
        var records = SignDataset(48);

        using var upload = await client.PostAsync("/api/datasets?name=sign.jsonl", new StringContent(records, Encoding.UTF8, "application/x-ndjson"));
        var dataset = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal(48, (int)dataset["sequences"]!);
        Assert.Equal("numeric", (string?)dataset["input_kind"]);
        Assert.Equal(2, (int)dataset["feature_count"]!);
        var listed = await client.GetFromJsonAsync<JsonObject>("/api/datasets");
        Assert.Single(listed!["datasets"]!.AsArray());

        var created = await client.CreateRunAsync(new
        {
            name = "sign",
            dataset_id = (long)dataset["id"]!,
            cell = "gru",
            hidden = 8,
            epochs = 3,
            batch = 8,
            lr = 0.02,
        });
        var id = (long)created["id"]!;
        Assert.Equal("queued", (string?)created["state"]);

        var seenProgress = false;
        var done = await client.WaitRunAsync(id, r =>
        {
            seenProgress |= (long)r["progress"]!["step"]! > 0;
            return (string?)r["state"] == "succeeded";
        });
        Assert.True(seenProgress);
        Assert.Equal(18, (long)done["progress"]!["step"]!);
        Assert.Equal(3, done["epoch_history"]!.AsArray().Count);
        Assert.NotNull(done["result"]!["train_accuracy"]);

        var gradients = await client.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/gradients?since=10");
        var steps = gradients!["steps"]!.AsArray();
        Assert.Equal(8, steps.Count);
        Assert.Equal(11, (long)steps[0]!["step"]!);
        Assert.NotNull(steps[0]!["grad_norm"]);

        // The run list shows an ended run with the figures it ended with: its last stored step's.
        var ended = (await client.GetFromJsonAsync<JsonObject>("/api/runs"))!["runs"]!.AsArray()
            .Single(r => (long)r!["id"]! == id)!;
        var latest = ended["latest"]!;
        Assert.Equal((double)steps[^1]!["loss"]!, (double)latest["loss"]!, 12);
        Assert.Equal((double?)steps[^1]!["log10_vanishing_ratio"], (double?)latest["log10_vanishing_ratio"]);
        Assert.InRange((double)latest["clip_rate"]!, 0, 1);

        var onnxPath = Path.Combine(dataDir, "downloaded.onnx");
        await File.WriteAllBytesAsync(onnxPath, await client.GetByteArrayAsync($"/api/runs/{id}/model.onnx"));

        var steps0 = new[] { new[] { 0.5, -1.0 }, new[] { 0.25, 0.75 } };
        var steps1 = new[] { new[] { -0.5, 1.0 }, new[] { -0.25, 0.5 }, new[] { 0.1, 0.1 } };
        using var predictResponse = await client.PostAsync($"/api/runs/{id}/predict",
            ApiClient.Json(new { records = new[] { new { steps = steps0 }, new { steps = steps1 } } }));
        var predicted = JsonNode.Parse(await predictResponse.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(HttpStatusCode.OK, predictResponse.StatusCode);
        var engine = (string)predicted["engine"]!;
        Assert.Equal("onnxruntime", engine); // the package brings its native library: no set-up, no fallback

        // The CLI on the same records (with any label: predict ignores it) through the same engine.
        var recordsFile = Path.Combine(dataDir, "records.jsonl");
        await File.WriteAllTextAsync(recordsFile, $"{Line("pos", steps0)}\n{Line("neg", steps1)}\n");
        var model = engine == "onnxruntime" ? onnxPath : Path.Combine(dataDir, "runs", id.ToString(CultureInfo.InvariantCulture), "model.bin");
        var cli = JsonNode.Parse(RunCli("predict", "--model", model, "--data", recordsFile, "--json"))!.AsObject();
        Assert.Equal(engine, (string?)cli["engine"]);
        var fromService = predicted["predictions"]!.AsArray();
        var fromCli = cli["predictions"]!.AsArray();
        Assert.Equal(fromCli.Count, fromService.Count);
        for (var i = 0; i < fromCli.Count; i++)
        {
            Assert.Equal((string?)fromCli[i]!["label"], (string?)fromService[i]!["label"]);
            foreach (var (label, probability) in fromCli[i]!["probabilities"]!.AsObject())
                Assert.Equal((float)probability!, (float)fromService[i]!["probabilities"]![label]!);
        }

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("recurrent_runs{state=\"succeeded\"} 1", metrics);
    }

    /// <summary>Two features per step; the label is the sign of the first feature of the first step.</summary>
    private static string SignDataset(int count)
    {
        var lines = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var first = (i % 2 == 0 ? 1 : -1) * (0.2 + (i % 5) * 0.1);
            var steps = new[] { new[] { first, (i % 3) - 1.0 }, new[] { (i % 7) / 7.0, -0.5 }, new[] { 0.3, (i % 4) / 4.0 } };
            lines.AppendLine(Line(first > 0 ? "pos" : "neg", steps));
        }
        return lines.ToString();
    }

    private static string Line(string label, double[][] steps) =>
        new JsonObject { ["label"] = label, ["steps"] = new JsonArray(steps.Select(s => (JsonNode)new JsonArray(s.Select(v => (JsonNode)v).ToArray())).ToArray()) }
            .ToJsonString();

    internal static string RunCli(params string[] args) => ExternalCommand.Run("dotnet", [ServiceProcess.RecurrentDll, .. args]);
}
