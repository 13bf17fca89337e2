using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Runs;

/// <summary>
/// An encoder–decoder run in a real `recurrent serve`: `reverse:N` trained like any run (progress, epochs, gradient
/// history, the metrics' families), its predictions the command line's on the run's model file, its two ONNX graphs
/// decoding the same in ONNX Runtime, and what does not apply refused naming the field.
/// </summary>
public sealed class EncoderDecoderRunTests(SharedService shared) : IClassFixture<SharedService>
{
    private static object Request(string name) => new
    {
        name,
        data = "reverse:5",
        count = 1000,
        seed = 2,
        cell = "lstm",
        hidden_size = 48,
        embedding_size = 8,
        epochs = 12,
        batch_size = 16,
        learning_rate = 0.01,
        learning_rate_decay = 0.8,
        clip_norm = 1,
    };

    [Fact]
    public async Task A_reverse_run_trains_reports_its_gradients_predicts_as_the_cli_and_serves_its_two_graphs()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir);
        try
        {
            await TrainAndUse(service, dataDir);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}; the service wrote:\n{service.Output}", e);
        }
    }

    private static async Task TrainAndUse(ServiceProcess service, string dataDir)
    {
        var client = service.Client;
        var id = (long)(await client.CreateRunAsync(Request("rev")))["id"]!;
        var done = await client.WaitStateAsync(id, "succeeded", seconds: 600);

        // 1,000 pairs in batches of 16: 63 steps an epoch.
        Assert.Equal(12 * 63, (long)done["progress"]!["step"]!);
        Assert.Equal(12, done["epoch_history"]!.AsArray().Count);
        var result = done["result"]!;
        var (token, baseline) = ((double)result["test_accuracy"]!, (double)result["baseline_token_accuracy"]!);
        Assert.True(token > 0.8 && token > 3 * baseline, $"test token accuracy {token}, copying the input {baseline}");
        Assert.True((double)result["test_sequence_accuracy"]! > (double)result["baseline_sequence_accuracy"]!);

        var gradients = await client.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/gradients?since={12 * 63 - 5}");
        var steps = gradients!["steps"]!.AsArray();
        Assert.Equal(5, steps.Count);
        Assert.All(steps, s =>
        {
            Assert.True((double)s!["grad_norm"]! > 0);
            Assert.NotNull(s["log10_vanishing_ratio"]);
        });
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains($"recurrent_train_steps_total{{run=\"rev\"}} {12 * 63}", metrics);
        Assert.Contains("recurrent_runs{state=\"succeeded\"} 1", metrics);

        // Predictions: the command line's greedy decoding of the run's own model file.
        string[][] sources = [["a", "b", "c"], ["h", "g", "f", "e", "d"], ["c"], ["b", "b", "a", "h"]];
        var body = new JsonObject
        {
            ["records"] = new JsonArray([.. sources.Select(s => (JsonNode)new JsonObject { ["tokens"] = new JsonArray([.. s.Select(t => (JsonNode)t)]) })]),
        };
        using var answered = await client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(body.ToJsonString()));
        var text = await answered.Content.ReadAsStringAsync();
        Assert.True(answered.StatusCode == HttpStatusCode.OK, text);
        var outputs = JsonNode.Parse(text)!["predictions"]!.AsArray()
            .Select(p => p!["output"]!.AsArray().Select(o => (string)o!).ToArray()).ToArray();
        var recordsFile = Path.Combine(dataDir, "sources.jsonl");
        await File.WriteAllLinesAsync(recordsFile, sources.Select(s => new JsonObject { ["source"] = new JsonArray([.. s.Select(t => (JsonNode)t)]) }.ToJsonString()));
        var runDir = Path.Combine(dataDir, "runs", id.ToString(CultureInfo.InvariantCulture));
        var cli = JsonNode.Parse(ServiceEndToEndTests.RunCli("predict", "--model", Path.Combine(runDir, "model.bin"), "--data", recordsFile, "--json"))!;
        Assert.Equal(cli["predictions"]!.AsArray().Select(p => p!["output"]!.AsArray().Select(o => (string)o!).ToArray()), outputs);
        Assert.True(outputs.Count(o => o.SequenceEqual(sources[Array.IndexOf(outputs, o)].Reverse())) >= 3, string.Join(" | ", outputs.Select(o => string.Join(",", o))));

        // The two graphs, downloaded, decode the same in ONNX Runtime.
        var encoder = await client.GetByteArrayAsync($"/api/runs/{id}/encoder.onnx");
        var decoder = await client.GetByteArrayAsync($"/api/runs/{id}/decoder.onnx");
        for (var i = 0; i < sources.Length; i++)
            Assert.Equal(outputs[i], GreedyInOnnxRuntime(encoder, decoder, sources[i]));

        // A single ONNX graph does not exist for it: refused naming the two files.
        using (var refused = await client.GetAsync($"/api/runs/{id}/model.onnx"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains($"/api/runs/{id}/encoder.onnx", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Its ML.NET model (Tokens in, the greedy decoding as PredictedLabel keys out) decodes as predict does.
        var zip = Path.Combine(dataDir, "rev.zip");
        await File.WriteAllBytesAsync(zip, await client.GetByteArrayAsync($"/api/runs/{id}/model.zip"));
        var ml = new MLContext();
        var scored = ml.Model.Load(zip, out _).Transform(ml.Data.LoadFromEnumerable(sources.Select(s => new SourceRow { Tokens = s })));
        var decoded = ml.Transforms.Conversion.MapKeyToValue("Output", "PredictedLabel").Fit(scored).Transform(scored)
            .GetColumn<string[]>("Output").ToArray();
        Assert.Equal(outputs, decoded);
        using var unknown = await client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json("""{"records": [{"tokens": ["a", "z"]}]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("records[0].tokens[1]: 'z' is not one of the model's source symbols", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_uploaded_file_of_pairs_trains_an_encoder_decoder_with_its_own_source_and_target_symbols()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        // Number words in, their capitals reversed out: two vocabularies, learnt from the file.
        string[] words = ["one", "two", "three", "four", "five"];
        var random = new Random(4);
        var lines = Enumerable.Range(0, 400).Select(_ =>
        {
            var source = Enumerable.Range(0, random.Next(1, 5)).Select(_ => words[random.Next(words.Length)]).ToArray();
            return new JsonObject
            {
                ["source"] = new JsonArray([.. source.Select(w => (JsonNode)w)]),
                ["target"] = new JsonArray([.. source.Reverse().Select(w => (JsonNode)w.ToUpperInvariant())]),
            }.ToJsonString();
        }).ToArray();
        using (var bad = await client.PostAsync("/api/datasets?name=bad.jsonl",
            new StringContent(string.Join('\n', lines.Take(3).Append("{\"source\": [\"one\"]}")))))
        {
            var problem = await bad.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("bad.jsonl, line 4, field 'target': missing", problem, StringComparison.Ordinal);
        }
        using var upload = await client.PostAsync("/api/datasets?name=words.jsonl", new StringContent(string.Join('\n', lines)));
        var dataset = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal("pairs", (string?)dataset["input_kind"]);
        Assert.Equal(400, (int)dataset["sequences"]!);
        Assert.Equal(5, (int)dataset["feature_count"]!);
        Assert.Equal(["FIVE", "FOUR", "ONE", "THREE", "TWO"], dataset["classes"]!.AsArray().Select(c => (string)c!));

        var id = (long)(await client.CreateRunAsync(new
        {
            dataset_id = (long)dataset["id"]!,
            cell = "gru",
            hidden_size = 32,
            embedding_size = 8,
            epochs = 25,
            batch_size = 16,
            learning_rate = 0.01,
            clip_norm = 1,
            seed = 1,
        }))["id"]!;
        var done = await client.WaitStateAsync(id, "succeeded", seconds: 600);
        var result = done["result"]!;
        Assert.True((double)result["test_accuracy"]! >= 0.7, result.ToJsonString());
        Assert.Null(result["baseline_token_accuracy"]);
        using var answered = await client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json("{\"records\": [{\"tokens\": [\"one\", \"three\"]}]}"));
        var text = await answered.Content.ReadAsStringAsync();
        Assert.True(answered.StatusCode == HttpStatusCode.OK, text);
        Assert.All(JsonNode.Parse(text)!["predictions"]![0]!["output"]!.AsArray(), o => Assert.Contains((string)o!, words.Select(w => w.ToUpperInvariant())));
        using var encoder = await client.GetAsync($"/api/runs/{id}/encoder.onnx");
        Assert.Equal(HttpStatusCode.OK, encoder.StatusCode);
    }

    [Fact]
    public async Task A_run_killed_mid_epoch_resumes_from_its_checkpoint_and_ends_with_the_uninterrupted_runs_model()
    {
        var dataDir = ServiceProcess.NewDataDir();
        var hold = Path.Combine(dataDir, "hold");
        string[] args = ["--Recurrent:CheckpointEverySteps=10", $"--Recurrent:Debug:HoldFile={hold}"];
        // No seed: the run trains with the default one, which its checkpoint records and the restart must match.
        object Spec(string name) => new { name, data = "reverse:5", count = 320, hidden_size = 16, embedding_size = 4, epochs = 3, batch_size = 16, clip_norm = 1 };
        long reference, interrupted;
        await using (var first = await ServiceProcess.StartAsync(dataDir, extraArgs: args))
        {
            reference = (long)(await first.Client.CreateRunAsync(Spec("reference")))["id"]!;
            await first.Client.WaitStateAsync(reference, "succeeded");
            // Held after step 25, mid-epoch 2: its last checkpoint is step 20's.
            File.WriteAllText(hold, "25");
            interrupted = (long)(await first.Client.CreateRunAsync(Spec("interrupted")))["id"]!;
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (!File.Exists(hold + ".reached"))
            {
                Assert.True(DateTime.UtcNow < deadline, "the run never reached the hold");
                await Task.Delay(20);
            }
            first.Kill();
        }
        File.Delete(hold);
        await using var second = await ServiceProcess.StartAsync(dataDir, extraArgs: args);
        var resumed = await second.Client.WaitStateAsync(interrupted, "succeeded", seconds: 300);
        Assert.Equal(60, (long)resumed["progress"]!["step"]!);
        var events = (await second.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{interrupted}/events"))!.ToJsonString();
        Assert.Contains("resumed from the checkpoint at step 20", events, StringComparison.Ordinal);
        Assert.DoesNotContain("checkpoint-mismatch", events, StringComparison.Ordinal);
        string Model(long id) => Path.Combine(dataDir, "runs", id.ToString(CultureInfo.InvariantCulture), "model.bin");
        Assert.Equal(File.ReadAllBytes(Model(reference)), File.ReadAllBytes(Model(interrupted)));
    }

    [Theory]
    [InlineData("""{"data": "reverse:5", "bidirectional": true}""", "bidirectional: does not apply to an encoder–decoder")]
    [InlineData("""{"data": "reverse:0"}""", "data: 'reverse:0': expected reverse:N with N a positive whole number")]
    [InlineData("""{"data": "reverse:501"}""", "data: 'reverse:501': expected reverse:N with N from 1 to 500")]
    [InlineData("""{"data": "reverse:5", "layers": 3, "hidden_size": 1024}""", "hidden_size: an encoder–decoder of 3 layer(s) of 1024 units")]
    [InlineData("""{"data": "reverse:400", "batch_size": 4096, "hidden_size": 512}""", "batch_size: backpropagation through a batch of 4096 pairs")]
    public async Task What_an_encoder_decoder_cannot_train_is_refused_at_creation_naming_the_field(string request, string message)
    {
        // One service for every case: a refusal stores nothing, so its run list stays empty across them all.
        var service = shared.Service;
        using var response = await service.Client.PostAsync("/api/runs", ApiClient.Json(request));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body.Contains(message, StringComparison.Ordinal), body);
        Assert.Empty((await service.Client.GetFromJsonAsync<JsonObject>("/api/runs"))!["runs"]!.AsArray());
    }

    // The caller's loop the two graphs are made for: encode once, then feed back each step's most likely class from the
    // start token until the end class (the id after the symbols, which the graph's metadata names).
    private static string[] GreedyInOnnxRuntime(byte[] encoderBytes, byte[] decoderBytes, string[] source)
    {
        using var encoder = new InferenceSession(encoderBytes);
        using var decoder = new InferenceSession(decoderBytes);
        var symbols = encoder.ModelMetadata.CustomMetadataMap["recurrent.source_symbols"];
        var names = System.Text.Json.JsonSerializer.Deserialize<string[]>(symbols)!;
        var boundary = int.Parse(decoder.ModelMetadata.CustomMetadataMap["recurrent.boundary"], CultureInfo.InvariantCulture);
        var ids = source.Select(s => (long)Array.IndexOf(names, s)).ToArray();
        using var encoded = encoder.Run([
            NamedOnnxValue.CreateFromTensor("input", new DenseTensor<long>(ids, [1, ids.Length])),
            NamedOnnxValue.CreateFromTensor("sequence_lens", new DenseTensor<int>(new[] { ids.Length }, [1])),
        ]);
        var h = encoded.Single(v => v.Name == "state_h").AsTensor<float>().ToDenseTensor();
        var c = encoded.Single(v => v.Name == "state_c").AsTensor<float>().ToDenseTensor();
        var output = new List<string>();
        long token = boundary;
        for (var step = 0; step < 2 * ids.Length + 10; step++)
        {
            using var next = decoder.Run([
                NamedOnnxValue.CreateFromTensor("token", new DenseTensor<long>(new[] { token }, [1])),
                NamedOnnxValue.CreateFromTensor("state_h", h),
                NamedOnnxValue.CreateFromTensor("state_c", c),
            ]);
            var logits = next.Single(v => v.Name == "logits").AsTensor<float>().ToArray();
            token = Array.IndexOf(logits, logits.Max());
            if (token == boundary)
                break;
            output.Add(names[token]);
            h = next.Single(v => v.Name == "state_h_out").AsTensor<float>().ToDenseTensor();
            c = next.Single(v => v.Name == "state_c_out").AsTensor<float>().ToDenseTensor();
        }
        return [.. output];
    }

    public sealed class SourceRow
    {
        public string[] Tokens { get; set; } = [];
    }
}
