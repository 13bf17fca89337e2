using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Runs;

/// <summary>
/// GET /api/runs/{id}/model.zip: an ML.NET model that a program referencing only Microsoft.ML,
/// Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime loads, predicting what the CLI predicts from the
/// run's model.onnx.
/// </summary>
public sealed class ModelZipTests
{
    [Fact]
    public async Task A_succeeded_runs_model_zip_predicts_the_cli_probabilities_in_a_fresh_process()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir);
        var client = service.Client;
        var created = await client.CreateRunAsync(new { name = "order", data = "temporal-order:12", count = 120, cell = "gru", hidden = 8, epochs = 1, batch = 16 });
        var id = (long)created["id"]!;

        using (var early = await client.GetAsync($"/api/runs/{id}/model.zip"))
        {
            if (early.StatusCode != HttpStatusCode.OK) // asked before the run ended: a conflict, not a file
                Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        }
        await client.WaitStateAsync(id, "succeeded");
        using var zipResponse = await client.GetAsync($"/api/runs/{id}/model.zip");
        Assert.Equal(HttpStatusCode.OK, zipResponse.StatusCode);
        Assert.Equal("application/zip", zipResponse.Content.Headers.ContentType?.MediaType);
        var zip = Path.Combine(dataDir, "downloaded.zip");
        var onnx = Path.Combine(dataDir, "downloaded.onnx");
        await File.WriteAllBytesAsync(zip, await zipResponse.Content.ReadAsByteArrayAsync());
        await File.WriteAllBytesAsync(onnx, await client.GetByteArrayAsync($"/api/runs/{id}/model.onnx"));

        var random = new Random(3);
        var records = Path.Combine(dataDir, "records.jsonl");
        await File.WriteAllLinesAsync(records, Enumerable.Range(0, 5).Select(i => new JsonObject
        {
            ["steps"] = new JsonArray(Enumerable.Range(0, 6 + i).Select(_ => (JsonNode)new JsonArray(
                Enumerable.Range(0, 6).Select(_ => (JsonNode)(random.NextDouble() * 2 - 1)).ToArray())).ToArray()),
        }.ToJsonString()));

        var cli = JsonDocument.Parse(Run(ServiceProcess.RecurrentDll, "predict", "--model", onnx, "--data", records, "--json"))
            .RootElement.GetProperty("predictions");
        var consumer = Run(ConsumerDll, zip, records).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)!["scores"]!.AsArray()).ToArray();
        Assert.Equal(cli.GetArrayLength(), consumer.Length);
        for (var i = 0; i < consumer.Length; i++)
        {
            var expected = cli[i].GetProperty("probabilities").EnumerateObject().Select(p => p.Value.GetDouble()).ToArray();
            Assert.Equal(expected.Length, consumer[i].Count);
            for (var k = 0; k < expected.Length; k++)
                Assert.Equal(expected[k], (double)consumer[i][k]!, tolerance: 1e-6);
        }
    }

    private static string ConsumerDll
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            return Path.Combine(Repository.Root(), "tests", "MLNet.Consumer", "bin", configuration, "net10.0", "Recurrent.MLNet.Consumer.dll");
        }
    }

    private static string Run(string dll, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), $"{dll} did not finish");
        Assert.True(process.ExitCode == 0, $"{dll} exited with {process.ExitCode}: {error.Result}");
        return output;
    }
}
