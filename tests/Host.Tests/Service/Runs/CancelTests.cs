using System.Diagnostics;
using System.Net;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Runs;

/// <summary>
/// A cancel stops the work itself, not only the wait for it: while a run's data is built (millions of generated
/// sequences) and in the middle of a very large training step (seen under way by the memory its activations fill).
/// Neither assertion depends on the machine's speed: the step under way when the cancel came never completes (the run
/// ends at step 0, where finishing the step would record step 1), and once the run reads cancelled the service
/// process spends no more CPU on it.
/// </summary>
public sealed class CancelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_cancel_stops_the_building_of_a_runs_data()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        // 1.4 million sequences to generate (42 million values, within the data limit): seconds of work before a step.
        var run = await client.CreateRunAsync(new { data = "latch:30", count = 1_000_000, hidden = 8, epochs = 1 });
        var id = (long)run["id"]!;
        await client.WaitStateAsync(id, "running");
        await CancelAndCheckAsync(service, id);
    }

    [Fact]
    public async Task A_cancel_stops_a_training_step_under_way()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        var idle = ProcessStatus.ResidentMiB(service.ProcessId);
        // One step of 16 sequences of 1,000 steps through an LSTM of 1,024 units: about 4·10^11 floating-point
        // operations over 0.8 GiB of activations.
        var run = await client.CreateRunAsync(new { data = "adding:1000", count = 16, cell = "lstm", hidden_size = 1024, batch_size = 16, epochs = 1, threads = 1 });
        var id = (long)run["id"]!;
        await client.WaitStateAsync(id, "running");
        // The step is under way once its activations fill memory: the forward pass writes them step by step, so
        // 300 MiB more than the idle service means it is a third of the way through its forward pass, whatever the
        // machine's speed (the run's data, 16 sequences, is a few hundred KiB).
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (ProcessStatus.ResidentMiB(service.ProcessId) < idle + 300)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first step never filled its activations");
            Assert.Equal(0L, (long)(await client.GetRunAsync(id))["progress"]!["step"]!);
            await Task.Delay(20);
        }
        output.WriteLine($"resident {ProcessStatus.ResidentMiB(service.ProcessId)} MiB (idle {idle} MiB): the step is under way");
        await CancelAndCheckAsync(service, id);
    }

    private async Task CancelAndCheckAsync(ServiceProcess service, long id)
    {
        var client = service.Client;
        using (var cancel = await client.PostAsync($"/api/runs/{id}/cancel", null))
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var clock = Stopwatch.StartNew();
        var cancelled = await client.WaitStateAsync(id, "cancelled", 60);
        output.WriteLine($"run {id}: cancelled {clock.Elapsed.TotalMilliseconds:F0} ms after the cancel's answer (polled every 25 ms)");
        // The step under way never completed: no training step was recorded, before or after the cancel.
        Assert.Equal(0L, (long)cancelled["progress"]!["step"]!);
        Assert.Equal("cancelled by request", (string?)cancelled["error"]);

        // The work stopped with the run: an abandoned load or step would keep a core busy for seconds. The service
        // itself, idle, spends a few milliseconds a second (its heartbeat, the metrics). On a busy machine an
        // abandoned thread gets less CPU, so this can only miss a fault there, never report one that is not.
        var before = ProcessStatus.CpuSeconds(service.ProcessId);
        var window = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var spent = ProcessStatus.CpuSeconds(service.ProcessId) - before;
        output.WriteLine($"CPU after the cancel: {spent:F2} s in {window.Elapsed.TotalSeconds:F1} s");
        Assert.True(spent < 0.5, $"the service spent {spent:F2} s of CPU in the {window.Elapsed.TotalSeconds:F1} s after the run was cancelled");
        Assert.Equal(0L, (long)(await client.GetRunAsync(id))["progress"]!["step"]!);
    }
}
