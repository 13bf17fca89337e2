using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Predictions;

/// <summary>
/// The largest prediction the service accepts, sent repeatedly and concurrently, keeps the process's peak
/// resident memory under a stated bound, and what large requests leave behind is reused, not accumulated.
/// </summary>
public sealed class PredictMemoryTests(ITestOutputHelper output)
{
    /// <summary>
    /// The bound stated in docs/operations.md: peak RSS (VmHWM) of the whole process, with ONNX Runtime
    /// loaded, after the maximum request 3 times in a row and 4 at once (2 computed at a time).
    /// </summary>
    private const long PeakBoundBytes = 512L << 20;

    /// <summary>Two prediction chunks' activation budget (Recurrent:Predict:ChunkBytes, 32 MiB).</summary>
    private const long RegrowthToleranceBytes = 64L << 20;

    [Fact]
    public async Task The_maximum_prediction_repeated_and_concurrent_stays_under_the_memory_bound()
    {
        // Four at once with two computed at a time: the other two wait for a slot as long as the computing ones take,
        // which on a loaded machine is longer than the default 10 s (then a 429). This test is about memory; the
        // queue's refusal is the last test's.
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(),
            extraArgs: ["--Recurrent:Predict:QueueTimeoutSeconds=900"]);
        var client = service.Client;
        var id = await TrainTokenModelAsync(client);

        // The process with ONNX Runtime and the model loaded, before any large request.
        await PredictAsync(client, id, TokenRecords(records: 1, steps: 10), 1);
        var (baseline, _) = ProcessStatus.Memory(service.ProcessId);

        // The default limits' maximum: 250 records × 2000 steps = 500,000 steps (Recurrent:Predict:MaxSteps).
        var body = TokenRecords(records: 250, steps: 2000);
        async Task MaximumRoundAsync()
        {
            for (var i = 0; i < 3; i++)
                await PredictAsync(client, id, body, 250);
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PredictAsync(client, id, body, 250)));
        }

        await MaximumRoundAsync();
        var (afterFirst, _) = ProcessStatus.Memory(service.ProcessId);
        await MaximumRoundAsync();
        var (rss, peak) = ProcessStatus.Memory(service.ProcessId);
        output.WriteLine($"before: RSS {baseline >> 20} MiB; after the maximum request 3× and 4× at once: RSS {afterFirst >> 20} MiB; " +
            $"after a second round: RSS {rss >> 20} MiB, peak {peak >> 20} MiB");
        Assert.True(peak < PeakBoundBytes, $"peak RSS {peak >> 20} MiB is over the bound of {PeakBoundBytes >> 20} MiB");
        // What the requests leave behind (the collection after each large one, ONNX Runtime's arena) is reused by the
        // next ones, never added to: the second round ends no higher than the first, within a few chunks' worth.
        // (How much of it the process returns to the system right after a request varies with the load: ONNX
        // Runtime's arena keeps its buffers for the session's life, so no fraction of the peak is asserted.)
        Assert.True(rss - afterFirst < RegrowthToleranceBytes,
            $"RSS grew from {afterFirst >> 20} MiB after the first round to {rss >> 20} MiB after the second");

        // One step more than the limit is refused before it is computed.
        await Expect.ProblemAsync(client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(TokenRecords(251, 2000))),
            400, "records", "Recurrent:Predict:MaxSteps");
    }

    [Fact]
    public async Task A_record_too_large_for_the_model_is_refused_before_it_is_computed()
    {
        // 1 MiB per record, of the default LSTM (64 units, embedding 32) as the engine counts its bytes a step
        // (every direction's h and input projection, and the input: (4·64 + 64 + 32)·4 = 1408), plus the initial
        // state and one step's scratch of the record's row.
        var size = Recurrent.Trainer.Layers.NetworkSize.Of(new Recurrent.Trainer.SequenceModelOptions(),
            Recurrent.Trainer.Data.InputKind.Tokens, featureCount: 0, vocabularySize: 100, outputs: 1);
        Assert.Equal(1408, size.InferenceBytesPerStep);
        var longest = Enumerable.Range(1, 2000).Last(t => size.InferenceBytes(t) <= 1048576);
        Assert.InRange(longest, 740, 744);
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(),
            extraArgs: ["--Recurrent:Predict:MaxRecordBytes=1048576"]);
        var client = service.Client;
        var id = await TrainTokenModelAsync(client);
        await PredictAsync(client, id, TokenRecords(records: 2, steps: longest), 2);
        await Expect.ProblemAsync(client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(TokenRecords(records: 2, steps: longest + 1))),
            400, "records[0]", "Recurrent:Predict:MaxRecordBytes");
    }

    [Fact]
    public async Task Predictions_beyond_the_concurrency_limit_wait_and_then_get_429()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(),
            extraArgs: ["--Recurrent:Predict:MaxConcurrent=1", "--Recurrent:Predict:QueueTimeoutSeconds=0"]);
        var client = service.Client;
        var id = await TrainTokenModelAsync(client);
        var body = TokenRecords(records: 250, steps: 2000);
        // With no waiting at all, of several simultaneous requests some are refused, and every one is a 200 or a 429.
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(body))));
        var codes = responses.Select(r => (int)r.StatusCode).ToArray();
        output.WriteLine(string.Join(", ", codes));
        Assert.All(codes, c => Assert.Contains(c, new[] { 200, 429 }));
        Assert.Contains(200, codes);
        Assert.Contains(429, codes);
        var refused = responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Contains("Recurrent:Predict:MaxConcurrent", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var r in responses)
            r.Dispose();
    }

    internal static async Task<long> TrainTokenModelAsync(HttpClient client)
    {
        // A default LSTM (64 units, embedding 32) on a few token sequences: the model.
        var lines = string.Join('\n', Enumerable.Range(0, 40).Select(i =>
            JsonSerializer.Serialize(new { label = i % 2 == 0 ? "even" : "odd", tokens = Enumerable.Range(0, 5).Select(k => $"w{(i + k) % 7}") })));
        using (var upload = await client.PostAsync("/api/datasets?name=words.jsonl", new StringContent(lines)))
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var id = (long)(await client.CreateRunAsync(new { dataset_id = 1, epochs = 1 }))["id"]!;
        await client.WaitStateAsync(id, "succeeded");
        return id;
    }

    internal static string TokenRecords(int records, int steps)
    {
        var text = new StringBuilder("{\"records\":[");
        for (var r = 0; r < records; r++)
        {
            text.Append(r == 0 ? "" : ",").Append("{\"tokens\":[");
            for (var t = 0; t < steps; t++)
                text.Append(t == 0 ? "" : ",").Append("\"w").Append((r + t) % 9).Append('"');
            text.Append("]}");
        }
        return text.Append("]}").ToString();
    }

    private static async Task PredictAsync(HttpClient client, long id, string body, int records)
    {
        using var response = await client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var answer = JsonNode.Parse(text)!;
        Assert.Equal(records, answer["predictions"]!.AsArray().Count);
        Assert.Equal("onnxruntime", (string?)answer["engine"]);
    }
}
