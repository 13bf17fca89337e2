using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Store;

/// <summary>
/// On a full disk, writes are refused with 507 problem+json and /healthz says the store is degraded; when space
/// returns, both recover without a restart. The data directory is a 2 MiB tmpfs (the tests run as root).
/// </summary>
public sealed class FullDiskTests
{
    [Fact]
    public async Task A_full_disk_gives_507_and_a_degraded_health_and_recovers_when_space_returns()
    {
        var dataDir = ServiceProcess.NewDataDir();
        Mount(dataDir);
        try
        {
            await using var service = await ServiceProcess.StartAsync(dataDir, extraArgs: ["--Recurrent:MinFreeDiskBytes=262144"]);
            var client = service.Client;
            var run = await client.CreateRunAsync(new { data = "adding:10", count = 16, hidden = 4, epochs = 1 });
            await client.WaitStateAsync((long)run["id"]!, "succeeded");
            var runsBefore = await Expect.RunCountAsync(client);

            var filler = Path.Combine(dataDir, "filler");
            Fill(filler);
            await Expect.ProblemAsync(client.PostAsync("/api/runs", ApiClient.Json(new { data = "adding:10", count = 16, hidden = 4, epochs = 1 })),
                507, null, "Recurrent:MinFreeDiskBytes");
            await Expect.ProblemAsync(client.PostAsync("/api/datasets?name=a.jsonl", new StringContent("{\"label\":\"a\",\"tokens\":[\"x\"]}\n")),
                507, null, "free space and retry");
            using (var health = await client.GetAsync("/healthz"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
                var body = JsonNode.Parse(await health.Content.ReadAsStringAsync())!;
                Assert.Equal("degraded", (string?)body["status"]);
                Assert.Contains("free", (string?)body["store"], StringComparison.Ordinal);
            }
            // Reads still answer, and nothing was stored by the refused writes.
            Assert.Equal(runsBefore, await Expect.RunCountAsync(client));
            Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/api/datasets"))!["datasets"]!.AsArray());

            File.Delete(filler);
            using (var health = await client.GetAsync("/healthz"))
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            var again = await client.CreateRunAsync(new { data = "adding:10", count = 16, hidden = 4, epochs = 1 });
            await client.WaitStateAsync((long)again["id"]!, "succeeded");
        }
        finally
        {
            Unmount(dataDir);
        }
    }

    [Fact]
    public async Task A_store_write_that_hits_a_full_disk_is_a_507_not_a_500()
    {
        var dataDir = ServiceProcess.NewDataDir();
        Mount(dataDir);
        try
        {
            // No free-space margin and 64 KiB left, enough for the health probe: the refusal comes from the upload's
            // own write running out of space.
            await using var service = await ServiceProcess.StartAsync(dataDir, extraArgs: ["--Recurrent:MinFreeDiskBytes=0"]);
            var filler = Path.Combine(dataDir, "filler");
            Fill(filler, leave: 64 * 1024);
            using (var health = await service.Client.GetAsync("/healthz"))
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            var upload = string.Concat(Enumerable.Repeat("{\"label\":\"a\",\"tokens\":[\"x\"]}\n", 20000));
            using var response = await service.Client.PostAsync("/api/datasets?name=big.jsonl", new StringContent(upload));
            Assert.Equal(507, (int)response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("disk is full", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(Path.Combine(dataDir, "datasets")));
            File.Delete(filler);
        }
        finally
        {
            Unmount(dataDir);
        }
    }

    [Fact]
    public async Task A_run_the_disk_fills_under_is_stopped_its_failure_recorded_when_space_returns_and_cancel_says_so()
    {
        var dataDir = ServiceProcess.NewDataDir();
        var hold = Path.Combine(ServiceProcess.NewDataDir(), "hold"); // outside the small disk
        Mount(dataDir);
        try
        {
            string[] args = ["--Recurrent:MinFreeDiskBytes=0", "--Recurrent:CheckpointEverySteps=10", $"--Recurrent:Debug:HoldFile={hold}"];
            long id;
            await using (var service = await ServiceProcess.StartAsync(dataDir, extraArgs: args))
            {
                var client = service.Client;
                File.WriteAllText(hold, "15");
                id = (long)(await client.CreateRunAsync(new { data = "adding:10", count = 64, hidden = 4, epochs = 1000, batch = 4 }))["id"]!;
                await client.WaitRunAsync(id, r => (long)r["progress"]!["step"]! == 15); // held after its checkpoint at step 10
                var checkpoint = Path.Combine(dataDir, $"runs/{id}/checkpoint.bin");
                Assert.True(File.Exists(checkpoint));

                var filler = Path.Combine(dataDir, "filler");
                Fill(filler);
                File.Delete(hold); // on into the checkpoint at step 20, which the disk cannot take
                var stopped = await WaitAsync(client, id, r => (string?)r["state"] == "failed");
                Assert.Contains("disk filled up", (string?)stopped["error"], StringComparison.Ordinal);
                using (var health = await client.GetAsync("/healthz"))
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
                // The run has ended: a cancel is too late, and says how it ended (not a 202 that does nothing).
                await Expect.ProblemAsync(client.PostAsync($"/api/runs/{id}/cancel", null), 409, null, "already ended failed");
                var step = (long)stopped["progress"]!["step"]!;
                await Task.Delay(500);
                Assert.Equal(step, (long)(await client.GetRunAsync(id))["progress"]!["step"]!); // it trains no further

                File.Delete(filler);
                var recorded = await WaitAsync(client, id, r => (string?)r["state"] == "failed" && !((string?)r["error"])!.Contains("not recorded yet", StringComparison.Ordinal));
                Assert.Contains("disk filled up", (string?)recorded["error"], StringComparison.Ordinal);
                Assert.True(File.Exists(checkpoint)); // a failure never deletes the checkpoint
                Assert.Equal(0, await service.TerminateAsync(TimeSpan.FromSeconds(60)));
            }
            // A restart does not train it on: its failure is in the store.
            await using var again = await ServiceProcess.StartAsync(dataDir, extraArgs: args);
            await Task.Delay(1000);
            Assert.Equal("failed", (string?)(await again.Client.GetRunAsync(id))["state"]);
        }
        finally
        {
            File.Delete(hold);
            Unmount(dataDir);
        }
    }

    private static async Task<JsonObject> WaitAsync(HttpClient client, long id, Func<JsonObject, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonObject run;
        do
        {
            run = await client.GetRunAsync(id);
            if (until(run))
                return run;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException(run.ToJsonString());
    }

    /// <summary>Writes until the file system refuses, then gives back <paramref name="leave"/> bytes.</summary>
    private static void Fill(string path, int leave = 0)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                stream.Write(block);
                stream.Flush(flushToDisk: true);
            }
        }
        catch (IOException)
        {
        }
        stream.SetLength(Math.Max(0, stream.Length - leave));
        stream.Flush(flushToDisk: true);
    }

    private static void Mount(string dir) => ExternalCommand.Run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir);

    private static void Unmount(string dir) => ExternalCommand.Run("umount", "-l", dir);
}
