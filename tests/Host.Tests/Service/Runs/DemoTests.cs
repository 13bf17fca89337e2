using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Runs;

/// <summary>A new data directory starts with the demo runs training; an existing one, or --no-demo, does not.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task A_new_data_directory_trains_the_demo_once()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using (var first = await ServiceProcess.StartAsync(dataDir, demo: true))
        {
            var names = await RunNamesAsync(first);
            Assert.Equal(["demo-lstm", "demo-rnn-tanh"], names);
            var lstm = await first.Client.WaitRunAsync(1, r => (long)r["progress"]!["step"]! > 0);
            Assert.Equal("temporal-order:100", (string?)lstm["data"]);
            Assert.Contains("recurrent_grad_norm", await first.Client.GetStringAsync("/metrics"));
        }
        await using var second = await ServiceProcess.StartAsync(dataDir, demo: true);
        Assert.Equal(2, (await RunNamesAsync(second)).Length);
    }

    [Fact]
    public async Task The_demo_runs_train_side_by_side_and_take_no_slot_of_the_users()
    {
        // Recurrent:MaxConcurrentRuns is 1 (the default): the demo pair trains beside whatever the user runs.
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), demo: true);
        await service.Client.WaitRunAsync(1, r => (long)r["progress"]!["step"]! > 0);
        await service.Client.WaitRunAsync(2, r => (long)r["progress"]!["step"]! > 0);
        Assert.Equal("running", (string?)(await service.Client.GetRunAsync(1))["state"]);

        // A run of the user's starts at once, beside the demo; a second one waits for it, as one slot says.
        var first = (long)(await service.Client.CreateRunAsync(Lasting("first")))["id"]!;
        var started = await service.Client.WaitRunAsync(first, r => (long)r["progress"]!["step"]! > 0);
        var second = (long)(await service.Client.CreateRunAsync(Lasting("second")))["id"]!;
        var stepAtSecond = (long)started["progress"]!["step"]!;
        await service.Client.WaitRunAsync(first, r => (long)r["progress"]!["step"]! > stepAtSecond + 40);
        Assert.Equal("queued", (string?)(await service.Client.GetRunAsync(second))["state"]);

        // What /api/workers says of it: every run training here is active, the demo's beside the one slot, and the
        // address it listens on.
        var running = (await service.Client.GetFromJsonAsync<JsonObject>("/api/runs"))!["runs"]!.AsArray()
            .Count(r => (string?)r!["state"] == "running");
        var self = Assert.Single((await service.Client.GetFromJsonAsync<JsonObject>("/api/workers"))!["workers"]!.AsArray())!;
        Assert.Equal((3, 3, 1), (running, (int)self["active"]!, (int)self["concurrency"]!));
        Assert.Equal([$"http://127.0.0.1:{service.Port}"], self["urls"]!.AsArray().Select(u => (string?)u));
        // It started before the runs it trains, and it is seen now.
        var startedAt = DateTimeOffset.Parse((string)self["started_at"]!);
        Assert.InRange(startedAt, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10), DateTimeOffset.Parse((string)self["seen_at"]!));

        // Its slot freed, the second starts; the demo trains on all along.
        (await service.Client.PostAsync($"/api/runs/{first}/cancel", null)).EnsureSuccessStatusCode();
        await service.Client.WaitRunAsync(second, r => (long)r["progress"]!["step"]! > 0);
        foreach (var demo in new long[] { 1, 2 })
            Assert.Equal("running", (string?)(await service.Client.GetRunAsync(demo))["state"]);
    }

    /// <summary>A run that lasts far longer than the test looks at it.</summary>
    private static Dictionary<string, object?> Lasting(string name) => new()
    {
        ["name"] = name,
        ["data"] = "temporal-order:20",
        ["count"] = 2000,
        ["cell"] = "gru",
        ["hidden"] = 16,
        ["epochs"] = 200,
        ["batch"] = 16,
    };

    [Fact]
    public async Task No_demo_leaves_a_new_data_directory_empty()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        Assert.Empty(await RunNamesAsync(service));
    }

    private static async Task<string[]> RunNamesAsync(ServiceProcess service) =>
        (await service.Client.GetFromJsonAsync<JsonObject>("/api/runs"))!["runs"]!.AsArray()
            .Select(r => (string)r!["name"]!).ToArray();
}
