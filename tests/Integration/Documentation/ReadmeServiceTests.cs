using System.Net.Http.Json;
using System.Text.Json;
using Recurrent.Integration.Tests.Support;
using ExternalProcess = Recurrent.Integration.Tests.Dashboards.ExternalProcess;

namespace Recurrent.Integration.Tests.Documentation;

/// <summary>
/// The README's service walkthrough as a user runs it: `recurrent serve` with its demo on a fresh data directory,
/// then the README's own curl lines (read from the Markdown, only the port changed) in bash from a directory that
/// holds `recurrent-data` and `examples/reviews.csv`: upload, queue run 3, and once it succeeded, predict.
/// </summary>
public sealed class ReadmeServiceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task The_README_s_curl_lines_upload_train_and_predict()
    {
        var block = MarkdownExamples.CodeBlocks(Path.Combine(RepositoryPaths.Root, "README.md"))
            .Select(b => b.Text).Single(text => text.Contains("TOKEN=$(cat recurrent-data/token)", StringComparison.Ordinal));
        using var directory = new TemporaryDirectory();
        Directory.CreateDirectory(directory.File("examples"));
        File.Copy(Path.Combine(RepositoryPaths.Root, "examples", "reviews.csv"), directory.File(Path.Combine("examples", "reviews.csv")));
        var port = ExternalProcess.FreeLoopbackPort();
        var commands = block.Replace("\\\n", " ", StringComparison.Ordinal)
            .Replace("127.0.0.1:5080", $"127.0.0.1:{port}", StringComparison.Ordinal)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, commands.Length);
        Assert.StartsWith("TOKEN=", commands[0], StringComparison.Ordinal);

        using var service = ExternalProcess.Start(ExternalProcess.DotnetHost,
            [RecurrentCli.Assembly, "serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", directory.File("recurrent-data")]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Until(async () => (await Get(http, "/healthz")) is not null, service, "the service answers /healthz");

        var queued = Bash(directory.Path, commands[0], commands[1], "echo", commands[2]);
        Assert.Equal(2, queued.Length);
        using var dataset = JsonDocument.Parse(queued[0]);
        Assert.True(dataset.RootElement.TryGetProperty("id", out var datasetId), queued[0]);
        Assert.Equal(1, datasetId.GetInt32());
        Assert.Equal(40, dataset.RootElement.GetProperty("sequences").GetInt32());
        using var run = JsonDocument.Parse(queued[1]);
        Assert.True(run.RootElement.TryGetProperty("id", out var runId), queued[1]);
        Assert.Equal(3, runId.GetInt32()); // the README's predict line names run 3, after the demo's two

        string? state = null;
        await Until(async () =>
        {
            state = (await Get(http, "/api/runs/3"))?.GetProperty("state").GetString();
            return state is "succeeded" or "failed" or "cancelled";
        }, service, "run 3 finishes");
        Assert.Equal("succeeded", state);

        var predicted = Bash(directory.Path, commands[0], commands[3]);
        using var prediction = JsonDocument.Parse(Assert.Single(predicted));
        Assert.True(prediction.RootElement.TryGetProperty("engine", out var engine), predicted[0]);
        Assert.Equal("onnxruntime", engine.GetString());
        var label = Assert.Single(prediction.RootElement.GetProperty("predictions").EnumerateArray()).GetProperty("label").GetString();
        Assert.Contains(label, new[] { "pos", "neg" });
    }

    /// <summary>Runs the lines in bash from <paramref name="directory"/>; the JSON objects it printed, one a line (curl's
    /// progress meter goes to the same collected output).</summary>
    private static string[] Bash(string directory, params string[] lines)
    {
        var (exitCode, output) = ExternalProcess.Run("bash", ["-c", $"cd '{directory}'\n{string.Join('\n', lines)}"], TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, output);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith('{')).ToArray();
    }

    private static async Task<JsonElement?> Get(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task Until(Func<Task<bool>> condition, ExternalProcess service, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.False(service.HasExited, $"the service exited:\n{service.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within {Patience.TotalMinutes} minutes\n{service.Output}");
            await Task.Delay(200);
        }
    }
}
