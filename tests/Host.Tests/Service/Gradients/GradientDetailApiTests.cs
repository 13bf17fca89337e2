using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Gradients;

/// <summary>
/// What the store keeps of each step beyond the global figures (the share of steps updated; the per layer, direction
/// and block detail) answers /api/runs/{id}/gradients after a restart exactly as the live run answered it.
/// </summary>
public sealed class GradientDetailApiTests
{
    [Fact]
    public async Task A_skip_update_runs_share_and_detail_are_the_same_live_and_after_a_restart()
    {
        var dataDir = ServiceProcess.NewDataDir();
        long id;
        JsonArray live;
        await using (var service = await ServiceProcess.StartAsync(dataDir))
        {
            var spec = TrainingSpecs.Interruptible("skipping");
            spec["skip_updates"] = true;
            spec["skip_update_budget"] = 0.01;
            id = (long)(await service.Client.CreateRunAsync(spec))["id"]!;
            // Read while it trains: the newest steps come from memory, not yet from the store.
            await service.Client.WaitRunAsync(id, r => (long)r["progress"]!["step"]! > 100 || (string?)r["state"] != "running");
            live = await StepsAsync(service, id);
            await service.Client.WaitStateAsync(id, "succeeded");
        }
        Assert.NotEmpty(live);
        Assert.All(live, s => Assert.InRange((double)s!["update_share"]!, 0.0, 1.0));
        // The default detail (block): every step has its path, blocks and saturation, which the store keeps too.
        Assert.All(live, s => Assert.True(s!["paths"]!.AsArray().Count == 1 && s["blocks"]!.AsArray().Count > 0
            && s["saturation"]!.AsArray().Count > 0, s.ToJsonString()));

        await using var restarted = await ServiceProcess.StartAsync(dataDir);
        var stored = await StepsAsync(restarted, id, until: (long)live[^1]!["step"]! + 1);
        Assert.Equal(live.ToJsonString(), stored.ToJsonString());
    }

    [Fact]
    public async Task A_plain_runs_steps_have_no_update_share()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var spec = TrainingSpecs.Interruptible("plain");
        spec["epochs"] = 1;
        var id = (long)(await service.Client.CreateRunAsync(spec))["id"]!;
        await service.Client.WaitStateAsync(id, "succeeded");
        var steps = await StepsAsync(service, id);
        Assert.NotEmpty(steps);
        Assert.All(steps, s => Assert.Null(s!["update_share"]));
    }

    internal static async Task<JsonArray> StepsAsync(ServiceProcess service, long id, long? until = null) =>
        (await service.Client.GetFromJsonAsync<JsonObject>(
            $"/api/runs/{id}/gradients?order=asc&limit=5000{(until is null ? "" : $"&until={until}")}"))!["steps"]!.AsArray();
}
