using Microsoft.Data.Sqlite;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Workers;

/// <summary>A run that cannot be trained ends failed, with its error, instead of wedging the worker or crash-looping the service.</summary>
public sealed class RunFailureTests
{
    [Fact]
    public async Task A_run_too_large_for_the_machine_fails_and_frees_its_slot()
    {
        // Limits lifted so the request gets to the worker, and a 1 GiB heap so its allocation fails at once with
        // OutOfMemoryException (W_hh alone is 4·12000 × 12000 floats, 2.3 GB) without touching the machine's memory.
        var heapLimit = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x40000000" };
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), heapLimit, extraArgs:
        [
            "--Recurrent:Runs:MaxHidden=1000000", "--Recurrent:Runs:MaxParameters=100000000000000",
            "--Recurrent:Runs:MaxActivationBytes=100000000000000",
        ]);
        var client = service.Client;
        var huge = (long)(await client.CreateRunAsync(new { data = "adding:10", count = 8, hidden = 12000, epochs = 1 }))["id"]!;
        var failed = await client.WaitRunAsync(huge, r => (string?)r["state"] is "failed" or "succeeded", 60);
        Assert.Equal("failed", (string?)failed["state"]);
        Assert.Contains("OutOfMemoryException", (string?)failed["error"], StringComparison.Ordinal);
        // The slot is free again: the next run trains.
        var next = (long)(await client.CreateRunAsync(new { data = "adding:10", count = 8, hidden = 4, epochs = 1 }))["id"]!;
        await client.WaitStateAsync(next, "succeeded", 60);
    }

    [Fact]
    public async Task A_run_interrupted_by_crashes_N_times_is_failed_not_resumed_again()
    {
        var dataDir = ServiceProcess.NewDataDir();
        string[] args = ["--Recurrent:MaxRunInterruptions=2", "--Recurrent:CheckpointEverySteps=5"];
        long id;
        await using (var first = await ServiceProcess.StartAsync(dataDir, extraArgs: args))
        {
            id = (long)(await first.Client.CreateRunAsync(new { data = "adding:50", count = 2000, hidden = 16, epochs = 1000, batch = 8 }))["id"]!;
            await first.Client.WaitRunAsync(id, r => r.CheckpointStep() >= 5);
            first.Kill();
        }
        await using (var second = await ServiceProcess.StartAsync(dataDir, extraArgs: args))
        {
            // Once: queued again and resumed.
            await second.Client.WaitRunAsync(id, r => (string?)r["state"] == "running" && r.CheckpointStep() >= 10);
            second.Kill();
        }
        await using var third = await ServiceProcess.StartAsync(dataDir, extraArgs: args);
        var run = await third.Client.GetRunAsync(id);
        Assert.Equal("failed", (string?)run["state"]);
        Assert.Contains("died 2 times", (string?)run["error"], StringComparison.Ordinal);
        Assert.Contains("Recurrent:MaxRunInterruptions", (string?)run["error"], StringComparison.Ordinal);
        // A failure never deletes a checkpoint: the run's last state stays for whoever looks into it.
        Assert.True(File.Exists(Path.Combine(dataDir, "runs", $"{id}", "checkpoint.bin")));
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "recurrent.db")};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM events WHERE run_id = {id} AND kind = 'interrupted';";
        Assert.Equal(2L, (long)command.ExecuteScalar()!);
        // The restart resumed the run's own checkpoint (a request without a seed once hashed unlike its checkpoint,
        // which was then deleted as another run's).
        command.CommandText = $"SELECT COUNT(*) FROM events WHERE run_id = {id} AND kind = 'checkpoint-mismatch';";
        Assert.Equal(0L, (long)command.ExecuteScalar()!);
    }
}
