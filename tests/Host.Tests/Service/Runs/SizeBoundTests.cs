using System.Diagnostics;
using System.Net;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Runs;

/// <summary>
/// The probe's oversized requests, each refused before anything is allocated, through the engine's own size
/// estimate; a key given twice anywhere is a 400; and a cancel reaches a run while its data is still being built,
/// and one that comes too late says how the run ended.
/// </summary>
public sealed class SizeBoundTests
{
    [Fact]
    public async Task Dilations_are_bounded_in_count_value_and_the_memory_their_padding_takes()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        async Task Refused(string body, string field, string text) =>
            await Expect.ProblemAsync(client.PostAsync("/api/runs", ApiClient.Json(body)), 400, field, text);

        // 60 bytes that drove a worker to 6.9 GB at step 0.
        await Refused("""{"data": "adding:10", "dilations": [100000, 100000, 100000]}""", "dilations", "Recurrent:MaxSequenceLength");
        await Refused("""{"data": "adding:10", "dilations": [10000]}""", "dilations", "layer 0's dilation 10000");
        // 20,000 entries make 20,000 layers: refused by the layer limit, however the layers are asked for.
        await Refused($$"""{"data": "adding:10", "dilations": [{{string.Join(",", Enumerable.Repeat(1, 20_000))}}]}""", "dilations",
            "20000 entries make 20000 layers, more than the service's limit of 8 (Recurrent:Runs:MaxLayers)");
        // Within both bounds, the padding itself: 10 steps padded to 2000 in the second layer of a wide batch.
        await Refused("""{"data": "adding:10", "dilations": [1, 2000], "hidden": 512, "batch": 512}""", "batch",
            "dilations 1,2000 pad each layer's steps to a multiple of its dilation");
        // A duplicate key inside the body is a 400 naming where, not whichever value the parser kept.
        await Refused("""{"data": "adding:10", "dilations": [1], "dilations": [2]}""", "dilations", "given more than once");
        Assert.Equal(0, await Expect.RunCountAsync(client));

        // The same padding within the limits trains.
        var run = await client.CreateRunAsync(new { data = "adding:10", count = 32, dilations = new[] { 1, 100 }, hidden = 8, epochs = 1 });
        await client.WaitStateAsync((long)run["id"]!, "succeeded");
    }

    [Fact]
    public async Task A_cancel_reaches_a_run_while_its_data_is_built_and_one_too_late_says_how_the_run_ended()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        // 1.4 million sequences to generate (42 million values, within the data limit): seconds before a first step.
        var slow = await client.CreateRunAsync(new { data = "latch:30", count = 1_000_000, hidden = 8, epochs = 1 });
        var id = (long)slow["id"]!;
        await client.WaitStateAsync(id, "running");
        var clock = Stopwatch.StartNew();
        using (var cancel = await client.PostAsync($"/api/runs/{id}/cancel", null))
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await client.WaitStateAsync(id, "cancelled", 30);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the cancel took {clock.Elapsed}");
        Assert.Equal(0L, (long)cancelled["progress"]!["step"]!); // it never reached a first step

        var quick = await client.CreateRunAsync(new { data = "adding:10", count = 16, hidden = 4, epochs = 1 });
        await client.WaitStateAsync((long)quick["id"]!, "succeeded");
        await Expect.ProblemAsync(client.PostAsync($"/api/runs/{quick["id"]}/cancel", null), 409, null, "has already ended succeeded; too late to cancel");
    }
}
