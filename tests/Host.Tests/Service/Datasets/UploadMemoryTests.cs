using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Service.Predictions;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Datasets;

/// <summary>
/// An upload is checked a record at a time: the largest JSONL upload (16 MiB) raises the service's peak resident
/// memory by a few MiB, not by the ~150 MiB that loading the whole file took, and its record states what loading it
/// would (sequences, classes, longest length, kind).
/// </summary>
public sealed class UploadMemoryTests(ITestOutputHelper output)
{
    /// <summary>
    /// How far one 16 MiB upload may raise the peak (docs/operations.md, "The memory bound"): loading it whole took
    /// about 150 MiB; streamed it takes the receive buffers and one line at a time.
    /// </summary>
    private const long UploadGrowthBoundBytes = 48L << 20;

    [Fact]
    public async Task The_largest_jsonl_upload_is_checked_in_memory_of_a_record_not_of_the_file()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        var upload = MemoryBoundTests.Upload(16 << 20);
        // Warm the path on a small upload (JIT, the store, the slot), so the peak measured is the file's.
        using (var small = await client.PostAsync("/api/datasets?name=small.jsonl",
                   new ByteArrayContent(upload.AsSpan(0, upload.AsSpan(0, 1 << 16).LastIndexOf((byte)'\n') + 1).ToArray())))
            Assert.Equal(HttpStatusCode.Created, small.StatusCode);
        var (_, before) = ProcessStatus.Memory(service.ProcessId);

        using var response = await client.PostAsync("/api/datasets?name=large.jsonl", new ByteArrayContent(upload));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var (rss, peak) = ProcessStatus.Memory(service.ProcessId);
        output.WriteLine($"upload of {upload.Length / 1048576.0:0.0} MiB: peak RSS {before >> 20} MiB before, {peak >> 20} MiB after " +
            $"(+{(peak - before) >> 20} MiB; RSS {rss >> 20} MiB)");

        // The record states what the file holds, counted here independently of the readers.
        var lines = Encoding.UTF8.GetString(upload).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var record = JsonNode.Parse(body)!;
        Assert.Equal(lines.Length, (int)record["sequences"]!);
        Assert.Equal("tokens", (string?)record["input_kind"]);
        Assert.Equal(0, (int)record["feature_count"]!);
        Assert.Equal(["a", "b", "c"], record["classes"]!.AsArray().Select(c => (string?)c));
        Assert.Equal(lines.Max(l => JsonNode.Parse(l)!["tokens"]!.AsArray().Count), (int)record["max_length"]!);

        Assert.True(peak - before < UploadGrowthBoundBytes,
            $"one {upload.Length / 1048576.0:0.0} MiB upload raised the peak RSS by {(peak - before) >> 20} MiB (from {before >> 20} to " +
            $"{peak >> 20} MiB), over the bound of {UploadGrowthBoundBytes >> 20} MiB: is the upload loaded whole again?");

        // Two at once (Uploads:MaxConcurrent's default): each holds its own record and buffers.
        var both = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
            client.PostAsync($"/api/datasets?name=again{i}.jsonl", new ByteArrayContent(upload))));
        Assert.All(both, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var (_, peakTwo) = ProcessStatus.Memory(service.ProcessId);
        output.WriteLine($"two at once: peak RSS {peakTwo >> 20} MiB (+{(peakTwo - before) >> 20} MiB over the first measure)");
        Assert.True(peakTwo - before < 2 * UploadGrowthBoundBytes,
            $"two uploads at once raised the peak RSS by {(peakTwo - before) >> 20} MiB, over {2 * UploadGrowthBoundBytes >> 20} MiB");
    }

    /// <summary>
    /// Creating a run sizes its uploaded data as the file streams by: a run on the largest text (16 MiB, a character
    /// language model) raised the peak by 364 MiB when the text was loaded whole to be sized. The run is refused by
    /// its parameter count, which needs the data's alphabet, so the sizing ran whole.
    /// </summary>
    [Fact]
    public async Task Sizing_a_run_on_the_largest_text_upload_reads_it_as_a_stream()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        var text = new StringBuilder();
        var random = new Random(5);
        while (text.Length < (16 << 20) - 100)
            text.Append("the quick brown fox jumps over the lazy dog "[random.Next(10)..]).Append('\n');
        using var uploaded = await client.PostAsync("/api/datasets?name=book.txt", new StringContent(text.ToString()));
        var body = await uploaded.Content.ReadAsStringAsync();
        Assert.True(uploaded.StatusCode == HttpStatusCode.Created, body);
        var id = (long)JsonNode.Parse(body)!["id"]!;
        var (_, before) = ProcessStatus.Memory(service.ProcessId);

        // 27 characters (the alphabet of the sentence and the line break) + padding and unknown: 29 tokens and 27 classes.
        await Expect.ProblemAsync(client.PostAsJsonAsync("/api/runs", new { dataset_id = id, hidden_size = 4000, layers = 2 }), 400,
            "hidden_size", "a lstm of 2 layer(s) of 4000 units has ");
        var (_, peak) = ProcessStatus.Memory(service.ProcessId);
        output.WriteLine($"sizing a run on {text.Length / 1048576.0:0.0} MiB of text: peak RSS {before >> 20} MiB before, {peak >> 20} MiB after " +
            $"(+{(peak - before) >> 20} MiB)");
        Assert.True(peak - before < UploadGrowthBoundBytes,
            $"sizing a run on a {text.Length / 1048576.0:0.0} MiB text raised the peak RSS by {(peak - before) >> 20} MiB, over " +
            $"{UploadGrowthBoundBytes >> 20} MiB: is the upload loaded whole to be sized again?");
    }

    /// <summary>
    /// The largest record is a line (Recurrent:Uploads:MaxLineBytes, 2 MiB by default): one line of 16 MiB, which cost
    /// 233-337 MiB when it was parsed (held, parsed, split into a string per token), is refused with a 413 naming the
    /// line and the limit before any line is read whole, so it costs what a file of short lines does.
    /// </summary>
    [Theory]
    [InlineData("w1234")]
    [InlineData("a")]
    public async Task A_single_line_upload_of_the_largest_size_is_refused_before_it_is_parsed(string token)
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        using (var small = await client.PostAsync("/api/datasets?name=small.jsonl",
                   new StringContent("{\"label\":\"a\",\"tokens\":[\"x\"]}\n{\"label\":\"b\",\"tokens\":[\"y\"]}\n")))
            Assert.Equal(HttpStatusCode.Created, small.StatusCode);
        var (_, before) = ProcessStatus.Memory(service.ProcessId);
        var line = new StringBuilder("{\"label\":\"a\",\"tokens\":[");
        while (line.Length < (16 << 20) - 64)
            line.Append('"').Append(token).Append("\",");
        line.Append("\"w\"]}\n");
        await Expect.ProblemAsync(client.PostAsync("/api/datasets?name=one-line.jsonl", new StringContent(line.ToString())), 413, "body",
            "one-line.jsonl, line 1: the line is longer than the service's limit of 2097152 bytes per line (Recurrent:Uploads:MaxLineBytes)");
        var (_, peak) = ProcessStatus.Memory(service.ProcessId);
        output.WriteLine($"one line of {line.Length / 1048576.0:0.0} MiB: peak RSS {before >> 20} MiB before, {peak >> 20} MiB after " +
            $"(+{(peak - before) >> 20} MiB)");
        Assert.True(peak - before < UploadGrowthBoundBytes,
            $"a refused one-line upload raised the peak RSS by {(peak - before) >> 20} MiB, over {UploadGrowthBoundBytes >> 20} MiB");
        Assert.Single((await client.GetFromJsonAsync<JsonObject>("/api/datasets"))!["datasets"]!.AsArray()); // only the small one
    }

    /// <summary>
    /// The limit is a setting, and the line named is the first too long, not the first line; a CSV record is bounded
    /// whole, however many lines its quoted field spans.
    /// </summary>
    [Fact]
    public async Task The_line_limit_is_configurable_and_names_the_line()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(),
            new Dictionary<string, string> { ["Recurrent__Uploads__MaxLineBytes"] = "100" });
        var client = service.Client;
        var shortLine = "{\"label\":\"a\",\"tokens\":[\"x\"]}";
        var longLine = "{\"label\":\"b\",\"tokens\":[" + string.Join(",", Enumerable.Repeat("\"y\"", 30)) + "]}";
        Assert.True(longLine.Length > 100);
        await Expect.ProblemAsync(client.PostAsync("/api/datasets?name=mixed.jsonl", new StringContent($"{shortLine}\n{shortLine}\n{longLine}\n")),
            413, "body", "mixed.jsonl, line 3: the line is longer than the service's limit of 100 bytes per line");
        // At the limit exactly it is taken (the line break is not counted).
        var atLimit = "{\"label\":\"b\",\"tokens\":[\"" + new string('z', 100 - 27) + "\"]}";
        Assert.Equal(100, Encoding.UTF8.GetByteCount(atLimit));
        using var taken = await client.PostAsync("/api/datasets?name=fits.jsonl", new StringContent($"{shortLine}\r\n{atLimit}\n"));
        Assert.True(taken.StatusCode == HttpStatusCode.Created, await taken.Content.ReadAsStringAsync());

        // A CSV record whose quoted field spans lines is bounded whole: 30 lines of 9 bytes, none long, one record of 304.
        var manyLines = "neg,\"" + string.Join("\n", Enumerable.Repeat("some text", 30)) + "\"";
        await Expect.ProblemAsync(client.PostAsync("/api/datasets?name=quoted.csv", new StringContent($"label,text\npos,a b\n{manyLines}\npos,c\n")),
            413, "body", "quoted.csv, line 3: the record starting on this line is longer than the service's limit of 100 bytes per record " +
            "(Recurrent:Uploads:MaxLineBytes; a quoted field spanning lines counts whole)");
        // So is a CoNLL sentence: 30 token lines of 6 bytes, one sentence of 209.
        var sentence = string.Join("\n", Enumerable.Repeat("word O", 30));
        await Expect.ProblemAsync(client.PostAsync("/api/datasets?name=long.conll", new StringContent($"EU B-ORG\n\n{sentence}\n\nPeter B-PER\n")),
            413, "body", "long.conll, line 3: the sentence starting on this line is longer than the service's limit of 100 bytes per record " +
            "(Recurrent:Uploads:MaxLineBytes; a sentence's token lines count together, up to the blank line that ends it)");
        // Within the limit, a quoted field over several lines is taken and its record counted once.
        using var multiLine = await client.PostAsync("/api/datasets?name=multi.csv",
            new StringContent("label,text\npos,\"one\ntwo\nthree\"\nneg,\"four, five\"\n"));
        var body = await multiLine.Content.ReadAsStringAsync();
        Assert.True(multiLine.StatusCode == HttpStatusCode.Created, body);
        Assert.Equal(2, (int)JsonNode.Parse(body)!["sequences"]!);
        Assert.Equal(3, (int)JsonNode.Parse(body)!["max_length"]!);
    }
}
