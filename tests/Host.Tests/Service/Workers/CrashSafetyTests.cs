using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Workers;

/// <summary>
/// A run survives SIGKILL and SIGTERM: it resumes from its last checkpoint and ends with the weights of a run
/// that was never interrupted, and nothing else in the store is lost.
/// </summary>
public sealed class CrashSafetyTests
{
    private static readonly string[] CheckpointOften = ["--Recurrent:CheckpointEverySteps=10"];

    [Fact]
    public async Task Killed_mid_run_it_resumes_from_its_checkpoint_and_ends_with_the_uninterrupted_weights()
    {
        var dataDir = ServiceProcess.NewDataDir();
        long reference, interrupted;
        await using (var first = await ServiceProcess.StartAsync(dataDir, extraArgs: CheckpointOften))
        {
            reference = (long)(await first.Client.CreateRunAsync(TrainingSpecs.Interruptible("reference")))["id"]!;
            await first.Client.WaitStateAsync(reference, "succeeded");
            interrupted = (long)(await first.Client.CreateRunAsync(TrainingSpecs.Interruptible("interrupted")))["id"]!;
            var midRun = await first.Client.WaitRunAsync(interrupted, r => r.CheckpointStep() >= 30);
            Assert.Equal("running", (string?)midRun["state"]);
            first.Kill();
        }
        Assert.Equal("running", StoredState(dataDir, interrupted));
        Assert.True(File.Exists(Path.Combine(dataDir, "runs", $"{interrupted}", "checkpoint.bin")));

        await using var second = await ServiceProcess.StartAsync(dataDir, extraArgs: CheckpointOften);
        var resumed = await second.Client.WaitStateAsync(interrupted, "succeeded");
        Assert.Equal(TrainingSpecs.InterruptibleSteps, (long)resumed["progress"]!["step"]!);
        Weights.AssertIdentical(Weights.Of(dataDir, reference), Weights.Of(dataDir, interrupted));
        Assert.Contains("resumed from the checkpoint at step", StoredRuns.Events(dataDir, interrupted));

        // The run finished before the crash is intact: still succeeded, its ONNX model still served.
        var before = await second.Client.GetRunAsync(reference);
        Assert.Equal("succeeded", (string?)before["state"]);
        using var onnx = await second.Client.GetAsync($"/api/runs/{reference}/model.onnx");
        Assert.Equal(HttpStatusCode.OK, onnx.StatusCode);
        Assert.Equal(TrainingSpecs.InterruptibleEpochs, (await second.Client.GetRunAsync(interrupted))["epoch_history"]!.AsArray().Count);

        // Every step's gradient figures are stored once: the steps lost with the kill were trained and stored again.
        var expected = await GradientLossesAsync(second.Client, reference);
        Assert.Equal(Enumerable.Range(1, (int)TrainingSpecs.InterruptibleSteps).Select(s => (long)s), expected.Keys);
        Assert.Equal(expected, await GradientLossesAsync(second.Client, interrupted));
    }

    [Fact]
    public async Task Sigterm_checkpoints_the_running_run_and_stops_and_the_next_start_finishes_it()
    {
        var dataDir = ServiceProcess.NewDataDir();
        var reference = await Weights.InterruptibleAloneAsync();
        long stopped;
        await using (var first = await ServiceProcess.StartAsync(dataDir, extraArgs: CheckpointOften))
        {
            stopped = (long)(await first.Client.CreateRunAsync(TrainingSpecs.Interruptible("stopped")))["id"]!;
            await first.Client.WaitRunAsync(stopped, r => (long)r["progress"]!["step"]! >= 25);
            var exitCode = await first.TerminateAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, exitCode);
        }
        // Back in the queue, with a checkpoint taken at the moment of the stop (not only at the last interval).
        Assert.Equal("queued", StoredState(dataDir, stopped));
        var checkpointStep = StoredCheckpointStep(dataDir, stopped);
        Assert.True(checkpointStep >= 25, $"checkpoint at step {checkpointStep}");
        Assert.Contains("the service shut down", StoredRuns.Events(dataDir, stopped));

        await using var second = await ServiceProcess.StartAsync(dataDir, extraArgs: CheckpointOften);
        await second.Client.WaitStateAsync(stopped, "succeeded");
        Weights.AssertIdentical(reference, Weights.Of(dataDir, stopped));
    }

    [Fact]
    public async Task Cancel_ends_a_running_run_and_a_queued_one()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir);
        var running = (long)(await service.Client.CreateRunAsync(TrainingSpecs.Interruptible("running")))["id"]!;
        var queued = (long)(await service.Client.CreateRunAsync(TrainingSpecs.Interruptible("queued")))["id"]!;
        await service.Client.WaitStateAsync(running, "running");

        using var cancelQueued = await service.Client.PostAsync($"/api/runs/{queued}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelQueued.StatusCode);
        using var cancelRunning = await service.Client.PostAsync($"/api/runs/{running}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancelRunning.StatusCode);

        await service.Client.WaitStateAsync(running, "cancelled");
        Assert.Equal("cancelled", (string?)(await service.Client.GetRunAsync(queued))["state"]);
        using var again = await service.Client.PostAsync($"/api/runs/{running}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var metrics = await service.Client.GetStringAsync("/metrics");
        Assert.Contains("recurrent_runs{state=\"cancelled\"} 2", metrics);
    }

    [Fact]
    public async Task At_most_MaxConcurrentRuns_train_at_once()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), extraArgs: ["--Recurrent:MaxConcurrentRuns=2"]);
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
            ids.Add((long)(await service.Client.CreateRunAsync(TrainingSpecs.Interruptible($"run{i}")))["id"]!);
        await service.Client.WaitStateAsync(ids[1], "running");
        var states = new List<string>();
        foreach (var id in ids)
            states.Add((string)(await service.Client.GetRunAsync(id))["state"]!);
        Assert.Equal(["running", "running", "queued"], states);
        Assert.Contains("recurrent_runs{state=\"running\"} 2", await service.Client.GetStringAsync("/metrics"));
        foreach (var id in ids)
            (await service.Client.PostAsync($"/api/runs/{id}/cancel", null)).Dispose();
    }

    private static async Task<Dictionary<long, double>> GradientLossesAsync(HttpClient client, long id)
    {
        var body = await client.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/gradients?limit=1000");
        return body!["steps"]!.AsArray().ToDictionary(s => (long)s!["step"]!, s => (double)s!["loss"]!);
    }

    private static string StoredState(string dataDir, long id) => (string)StoredRuns.Scalar(dataDir, "SELECT state FROM runs WHERE id = $id", id)!;

    private static long StoredCheckpointStep(string dataDir, long id) => (long)StoredRuns.Scalar(dataDir, "SELECT checkpoint_step FROM runs WHERE id = $id", id)!;
}
