using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Datasets;

/// <summary>
/// Uploads are served a few at a time (Recurrent:Uploads:MaxConcurrent): one more waits, then gets a 429 naming the
/// settings, and the upload holding the slot is stored whole when it finishes.
/// </summary>
public sealed class UploadLimitTests
{
    // Each upload holds both classes, as a classifier's training set must.
    private const string FirstRecord = "{\"label\":1,\"steps\":[[0.5]]}\n";
    private const string SecondRecord = "{\"label\":0,\"steps\":[[0.25]]}\n";

    [Fact]
    public async Task An_upload_beyond_the_concurrency_limit_gets_429_while_the_first_is_stored_whole()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(),
            extraArgs: ["--Recurrent:Uploads:MaxConcurrent=1", "--Recurrent:Uploads:QueueTimeoutSeconds=0"]);
        var client = service.Client;
        // The held upload takes the only slot once the service reads its headers. A small upload sent before that
        // gets through (201), and one that holds the slot at that moment refuses the held upload, whose answer the
        // client sees only once its body is complete. So each round holds an upload back for a few small ones; a
        // round with no refusal releases it and starts another. On any machine one round ends with a small upload
        // refused: the small ones go one at a time, so a 429 means the held upload has the slot.
        HeldBackContent slow;
        Task<HttpResponseMessage> first;
        string held;
        HttpResponseMessage? refused = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var round = 0;
        do
        {
            held = $"held-{round++}.jsonl";
            slow = new HeldBackContent(Encoding.UTF8.GetBytes(FirstRecord), Encoding.UTF8.GetBytes(SecondRecord));
            first = client.PostAsync($"/api/datasets?name={held}", slow);
            await slow.FirstPartSent;
            for (var i = 0; i < 10 && refused is null; i++)
            {
                var response = await client.PostAsync($"/api/datasets?name=quick-{round}-{i}.jsonl", new StringContent(FirstRecord + SecondRecord));
                Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.TooManyRequests,
                    await response.Content.ReadAsStringAsync());
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    refused = response;
            }
            if (refused is null)
            {
                slow.Release();
                try
                {
                    (await first).Dispose();
                }
                catch (HttpRequestException)
                {
                    // Refused early, the held upload's connection may be closed under the rest of its body.
                }
            }
        }
        while (refused is null && DateTime.UtcNow < deadline);
        Assert.NotNull(refused);
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Recurrent:Uploads:MaxConcurrent", problem, StringComparison.Ordinal);
        Assert.False(first.IsCompleted, "the held upload finished before its body was complete");

        slow.Release();
        using var stored = await first;
        Assert.True(stored.StatusCode == HttpStatusCode.Created, await stored.Content.ReadAsStringAsync());
        var listing = await client.GetStringAsync("/api/datasets");
        var dataset = JsonNode.Parse(listing)!["datasets"]!.AsArray().Single(d => (string?)d!["name"] == held)!;
        Assert.Equal(2, (int)dataset["sequences"]!);
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
