using System.Net;
using System.Text;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Datasets;

/// <summary>
/// Uploads are served a few at a time (Recurrent:Uploads:MaxConcurrent): one more waits, then gets a 429 naming the
/// settings, and the upload holding the slot is stored whole when it finishes.
/// </summary>
public sealed class UploadLimitTests
{
    private const string Record = "{\"label\":1,\"steps\":[[0.5]]}\n";

    [Fact]
    public async Task An_upload_beyond_the_concurrency_limit_gets_429_while_the_first_is_stored_whole()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(),
            extraArgs: ["--Recurrent:Uploads:MaxConcurrent=1", "--Recurrent:Uploads:QueueTimeoutSeconds=0"]);
        var client = service.Client;
        var slow = new HeldBackContent(Encoding.UTF8.GetBytes(Record), Encoding.UTF8.GetBytes("{\"label\":0,\"steps\":[[0.25]]}\n"));
        var first = client.PostAsync("/api/datasets?name=slow.jsonl", slow);
        await slow.FirstPartSent;

        // The held upload takes the only slot as soon as the service reads its headers; until then a small upload
        // may still get through (201). Whatever the machine's speed, one is refused once the slot is held.
        HttpResponseMessage? refused = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (var i = 0; refused is null && DateTime.UtcNow < deadline; i++)
        {
            var response = await client.PostAsync($"/api/datasets?name=quick-{i}.jsonl", new StringContent(Record));
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.TooManyRequests,
                await response.Content.ReadAsStringAsync());
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                refused = response;
        }
        Assert.NotNull(refused);
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Recurrent:Uploads:MaxConcurrent", problem, StringComparison.Ordinal);
        Assert.False(first.IsCompleted, "the held upload finished before its body was complete");

        slow.Release();
        using var stored = await first;
        Assert.True(stored.StatusCode == HttpStatusCode.Created, await stored.Content.ReadAsStringAsync());
        var listing = await client.GetStringAsync("/api/datasets");
        Assert.Contains("slow.jsonl", listing, StringComparison.Ordinal);
        Assert.Contains("\"sequences\":2", listing, StringComparison.Ordinal);
    }

    /// <summary>A body sent in two parts: the second only after <see cref="Release"/> (chunked, no length).</summary>
    private sealed class HeldBackContent(byte[] first, byte[] rest) : HttpContent
    {
        private readonly TaskCompletionSource _firstSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstPartSent => _firstSent.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(first);
            await stream.FlushAsync();
            _firstSent.TrySetResult();
            await _release.Task;
            await stream.WriteAsync(rest);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
