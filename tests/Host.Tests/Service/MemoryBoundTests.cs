using System.Net;
using System.Text;
using System.Text.Json;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service;

/// <summary>
/// The service's memory under the mix that once took it past a gigabyte and crashed it: twenty models each
/// predicted on 100 records of 1000 steps (every model loaded in turn), four of the largest uploads at once, and a
/// model dilated to the longest sequence predicted on short records. Peak resident memory stays under the bound
/// docs/operations.md states.
/// </summary>
public sealed class MemoryBoundTests(ITestOutputHelper output)
{
    /// <summary>The bound stated in docs/operations.md for this mix at the default limits (no run training).</summary>
    private const long PeakBoundBytes = 768L << 20;

    [Fact]
    public async Task Many_models_the_largest_uploads_and_a_dilated_model_stay_under_the_bound()
    {
        // The uploads that wait for one of the two validation slots wait as long as the validations take: on a loaded
        // machine longer than the default 10 s (then a 429), so the queue's wait is generous here.
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(),
            extraArgs: ["--Recurrent:Uploads:QueueTimeoutSeconds=900"]);
        var client = service.Client;
        var ids = new List<long>();
        for (var i = 0; i < 20; i++)
            ids.Add((long)(await client.CreateRunAsync(new { data = "adding:20", count = 64, hidden_size = 128, epochs = 1, max_steps = 0 }))["id"]!);
        foreach (var id in ids)
            await client.WaitStateAsync(id, "succeeded");
        var large = "{\"records\":[" + string.Join(",", Enumerable.Repeat("{\"steps\":[" + string.Join(",", Enumerable.Repeat("[0.5,1]", 1000)) + "]}", 100)) + "]}";
        foreach (var id in ids)
        {
            using var predicted = await client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(large));
            Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);
        }
        var (_, afterModels) = ProcessStatus.Memory(service.ProcessId);

        // Four uploads just under the limit (16 MiB) at once: two are validated at a time, the others wait.
        var upload = Upload(16 << 20);
        var uploads = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            client.PostAsync($"/api/datasets?name=u{i}.jsonl", new ByteArrayContent(upload))));
        Assert.All(uploads, u => Assert.Equal(HttpStatusCode.Created, u.StatusCode));
        var (_, afterUploads) = ProcessStatus.Memory(service.ProcessId);

        // A dilation as long as the longest sequence, predicted on 1000 records of 10 steps (each padded to 2000).
        var dilated = (long)(await client.CreateRunAsync(new { data = "adding:10", count = 16, hidden_size = 64, dilations = new[] { 2000 }, epochs = 1, max_steps = 0 }))["id"]!;
        await client.WaitStateAsync(dilated, "succeeded");
        var records = "{\"records\":[" + string.Join(",", Enumerable.Repeat("{\"steps\":[" + string.Join(",", Enumerable.Repeat("[0.5,1]", 10)) + "]}", 1000)) + "]}";
        using (var predicted = await client.PostAsync($"/api/runs/{dilated}/predict", ApiClient.Json(records)))
            Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);
        var (rss, peak) = ProcessStatus.Memory(service.ProcessId);
        output.WriteLine($"peak RSS after 20 models: {afterModels >> 20} MiB; after 4 uploads: {afterUploads >> 20} MiB; " +
            $"after the dilated model: {peak >> 20} MiB (RSS {rss >> 20} MiB)");
        Assert.True(peak < PeakBoundBytes, $"peak RSS {peak >> 20} MiB is over the bound of {PeakBoundBytes >> 20} MiB");
    }

    /// <summary>A JSONL file of token sequences of 5 to 60 words from 5000, just under <paramref name="limit"/> bytes.</summary>
    internal static byte[] Upload(int limit)
    {
        var random = new Random(1);
        var text = new StringBuilder();
        while (true)
        {
            var line = JsonSerializer.Serialize(new
            {
                label = "abc"[random.Next(3)].ToString(),
                tokens = Enumerable.Range(0, random.Next(5, 61)).Select(_ => $"w{random.Next(5000)}"),
            }) + "\n";
            if (text.Length + line.Length > limit)
                return Encoding.UTF8.GetBytes(text.ToString());
            text.Append(line);
        }
    }
}
