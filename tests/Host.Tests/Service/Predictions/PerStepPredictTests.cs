using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Predictions;
using Recurrent.Host.Tests.Support;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Tests.Service.Predictions;

/// <summary>
/// POST /api/runs/{id}/predict on a per-step model (a tagger trained on an uploaded JSONL set with a label per token):
/// a tag per token, the same as `recurrent predict` gives on the run's ONNX export and on its model file; and a record
/// whose per-step output takes it over the memory limit is refused naming the limit.
/// </summary>
public sealed class PerStepPredictTests
{
    // Thirty tags, one per word: a record of many steps carries thirty probabilities a step.
    private const int Words = 30;

    // 3 MiB per record: enough for the network's states over 12,000 steps, not for them and every step's 30 probabilities.
    private const long RecordLimit = 3L << 20;

    private const int LongRecord = 12_000;

    [Fact]
    public async Task A_tagger_predicts_a_tag_per_token_as_the_command_line_does_and_its_output_counts_toward_the_limit()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), ServiceProcess.TestToken, false,
            $"--Recurrent:Predict:MaxRecordBytes={RecordLimit}", $"--Recurrent:MaxSequenceLength={LongRecord}");
        var client = service.Client;
        var random = new Random(5);
        var lines = new StringBuilder();
        for (var i = 0; i < 300; i++)
        {
            var words = Enumerable.Range(0, random.Next(3, 9)).Select(_ => random.Next(Words)).ToArray();
            lines.AppendLine(JsonSerializer.Serialize(new { tokens = words.Select(w => $"w{w}"), labels = words.Select(w => $"T{w}") }));
        }
        using (var upload = await client.PostAsync("/api/datasets?name=tags.jsonl", new StringContent(lines.ToString())))
            Assert.True(upload.StatusCode == HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
        var datasetId = (long)JsonNode.Parse(await client.GetStringAsync("/api/datasets"))!["datasets"]!.AsArray()
            .Single(d => (string?)d!["name"] == "tags.jsonl")!["id"]!;
        var id = (long)(await client.CreateRunAsync(new { dataset_id = datasetId, cell = "gru", hidden = 4, epochs = 4, batch = 16 }))["id"]!;
        await client.WaitStateAsync(id, "succeeded", seconds: 300);

        // Token lists and text, without labels; an unknown word is <unk> to the model but given back as read.
        string[][] records = [["w1", "w2", "w3"], ["w7"], ["w29", "w0", "w11", "w5", "w5", "w18", "w2"], ["w4", "nobody", "w9"]];
        var body = new JsonObject
        {
            ["records"] = new JsonArray([
                .. records.Select(r => (JsonNode)new JsonObject { ["tokens"] = new JsonArray([.. r.Select(t => (JsonNode)t)]) }),
                new JsonObject { ["text"] = "W12 w13, w14" },
            ]),
        };
        using var answered = await client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(body.ToJsonString()));
        var text = await answered.Content.ReadAsStringAsync();
        Assert.True(answered.StatusCode == HttpStatusCode.OK, text);
        var response = JsonNode.Parse(text)!;
        Assert.Equal("onnxruntime", (string?)response["engine"]);
        Assert.True((bool)response["per_step"]!);
        var predictions = response["predictions"]!.AsArray();
        Assert.Equal(records.Length + 1, predictions.Count);
        for (var i = 0; i < records.Length; i++)
            Assert.Equal(records[i], predictions[i]!["tokens"]!.AsArray().Select(t => (string)t!));
        // Text is split as the model's tokenizer reads it (lower case, punctuation dropped).
        Assert.Equal(["w12", "w13", "w14"], predictions[^1]!["tokens"]!.AsArray().Select(t => (string)t!));
        foreach (var p in predictions)
        {
            var labels = p!["labels"]!.AsArray().Select(l => (string)l!).ToArray();
            var steps = p["step_probabilities"]!.AsArray();
            Assert.Equal(p["tokens"]!.AsArray().Count, labels.Length);
            Assert.Equal(labels.Length, steps.Count);
            for (var t = 0; t < labels.Length; t++)
            {
                var distribution = steps[t]!.AsObject().ToDictionary(c => c.Key, c => (double)c.Value!);
                Assert.Equal(Words, distribution.Count);
                Assert.Equal(1.0, distribution.Values.Sum(), 4);
                Assert.Equal(distribution.MaxBy(c => c.Value).Key, labels[t]);
            }
            Assert.Null(p["label"]);
            Assert.Null(p["probabilities"]);
        }

        // The command line on the same model: its ONNX export (as the service ran it) and its model file (the managed
        // engine) give every record the same tags, and the ONNX probabilities to the bit.
        var directory = Directory.CreateTempSubdirectory("recurrent-perstep-").FullName;
        try
        {
            var onnx = Path.Combine(directory, "model.onnx");
            await File.WriteAllBytesAsync(onnx, await client.GetByteArrayAsync($"/api/runs/{id}/model.onnx"));
            var data = Path.Combine(directory, "records.jsonl");
            await File.WriteAllLinesAsync(data, [
                .. records.Select(r => JsonSerializer.Serialize(new { tokens = r })),
                JsonSerializer.Serialize(new { tokens = new[] { "w12", "w13", "w14" } }),
            ]);
            var model = Path.Combine(service.DataDir, "runs", $"{id}", "model.bin");
            foreach (var (file, engine) in new[] { (onnx, "onnxruntime"), (model, "managed") })
            {
                var cli = JsonNode.Parse(RunCli("predict", "--model", file, "--data", data, "--json"))!;
                Assert.Equal(engine, (string?)cli["engine"]);
                var rows = cli["predictions"]!.AsArray();
                Assert.Equal(predictions.Count, rows.Count);
                for (var i = 0; i < rows.Count; i++)
                {
                    var labels = predictions[i]!["labels"]!.AsArray().Select(l => (string)l!).ToArray();
                    Assert.Equal(labels, rows[i]!["labels"]!.AsArray().Select(l => (string)l!));
                    var chosen = rows[i]!["probabilities"]!.AsArray().Select(v => (double)v!).ToArray();
                    var served = predictions[i]!["step_probabilities"]!.AsArray().Select((s, t) => (double)s![labels[t]]!).ToArray();
                    Assert.Equal(served.Length, chosen.Length);
                    for (var t = 0; t < chosen.Length; t++)
                        Assert.Equal(served[t], chosen[t], engine == "onnxruntime" ? 1e-7 : 1e-5);
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        // The service's managed engine (a run without an ONNX file) on the same request: the same tokens and tags.
        using (var managed = new ManagedEngine(SequenceModel.Load(Path.Combine(service.DataDir, "runs", $"{id}", "model.bin"))))
        {
            Assert.True(managed.PerStep);
            var request = JsonSerializer.Deserialize<PredictRequest>(body.ToJsonString(), ApiJson.Options)!;
            var read = new List<IReadOnlyList<string>?>();
            var examples = RecordEncoder.Encode(request, managed, 100, 100, _ => { }, read);
            var steps = managed.PredictSteps(examples, CancellationToken.None);
            for (var i = 0; i < predictions.Count; i++)
            {
                Assert.Equal(predictions[i]!["tokens"]!.AsArray().Select(t => (string)t!), read[i]!);
                Assert.Equal(predictions[i]!["labels"]!.AsArray().Select(l => (string)l!), steps[i].Select(p => p.Label!));
            }
        }

        // The memory bound counts the per-step output (12,000 steps × 30 probabilities) through the engine's size: the
        // network's states alone fit the limit, with the output they do not.
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Gru, HiddenSize = 4 };
        var states = NetworkSize.Of(options, InputKind.Tokens, 0, Words + 2, Words).InferenceBytes(LongRecord);
        var withOutput = NetworkSize.Of(options, InputKind.Tokens, 0, Words + 2, Words, perStep: true).InferenceBytes(LongRecord);
        Assert.True(states <= RecordLimit && withOutput > RecordLimit, $"{states} and {withOutput} bytes against the limit of {RecordLimit}");
        var tokens = Enumerable.Range(0, LongRecord).Select(t => $"w{t % Words}").ToArray();
        await Expect.ProblemAsync(client.PostAsync($"/api/runs/{id}/predict", JsonContent.Create(new { records = new[] { new { tokens } } })),
            400, "records[0]", $"records[0]: {LongRecord} steps need {withOutput >> 20} MiB of this model's activations and outputs, more than the limit of 3 MiB per record (Recurrent:Predict:MaxRecordBytes)");
        // Half as long fits, and gets a tag per token.
        using var half = await client.PostAsync($"/api/runs/{id}/predict", JsonContent.Create(new { records = new[] { new { tokens = tokens[..(LongRecord / 2)] } } }));
        var halfText = await half.Content.ReadAsStringAsync();
        Assert.True(half.StatusCode == HttpStatusCode.OK, halfText);
        Assert.Equal(LongRecord / 2, JsonNode.Parse(halfText)!["predictions"]![0]!["labels"]!.AsArray().Count);
    }

    private static string RunCli(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ServiceProcess.RecurrentDll);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"recurrent {string.Join(' ', args)}: exit {process.ExitCode}: {error.Result}");
        return output;
    }
}
