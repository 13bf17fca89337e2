using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Gradients;

/// <summary>
/// A running run keeps only its newest steps in memory; a reader that fell further behind must still get every
/// step after the one it names, older ones from the store.
/// </summary>
public sealed class GradientHistoryTests
{
    [Fact]
    public async Task A_reader_far_behind_a_running_run_gets_every_step_without_holes()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), extraArgs:
            ["--Recurrent:GradientHistorySteps=30", "--Recurrent:CheckpointEverySteps=10"]);
        var client = service.Client;
        // Far more steps than the test reads, so the run is still training when it reads however fast the machine
        // is (800 steps ended before the reads on a quiet one); the service is stopped with the run unfinished.
        var spec = TrainingSpecs.Interruptible("fast");
        spec["epochs"] = 5000;
        var id = (long)(await client.CreateRunAsync(spec))["id"]!;
        await client.WaitRunAsync(id, r => (long)r["progress"]!["step"]! >= 200);

        var all = await StepsAsync(client, id, since: 0, limit: 5000);
        Assert.True(all.Count >= 200, $"{all.Count} steps");
        Assert.Equal(Enumerable.Range(1, all.Count).Select(s => (long)s), all);

        // The newest `limit` after `since`, still without holes, ending at (or after) what the first read saw.
        var window = await StepsAsync(client, id, since: 100, limit: 60);
        Assert.Equal(60, window.Count);
        Assert.Equal(Enumerable.Range((int)window[0], 60).Select(s => (long)s), window);
        Assert.True(window[0] > 100 && window[^1] >= all[^1], $"{window[0]}..{window[^1]} after {all[^1]}");
    }

    private static async Task<List<long>> StepsAsync(HttpClient client, long id, long since, int limit)
    {
        var body = await client.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/gradients?since={since}&limit={limit}");
        Assert.Equal("running", (string?)body!["state"]);
        return body["steps"]!.AsArray().Select(s => (long)s!["step"]!).ToList();
    }
}
