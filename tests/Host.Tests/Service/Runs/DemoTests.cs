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
    public async Task No_demo_leaves_a_new_data_directory_empty()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        Assert.Empty(await RunNamesAsync(service));
    }

    private static async Task<string[]> RunNamesAsync(ServiceProcess service) =>
        (await service.Client.GetFromJsonAsync<JsonObject>("/api/runs"))!["runs"]!.AsArray()
            .Select(r => (string)r!["name"]!).ToArray();
}
