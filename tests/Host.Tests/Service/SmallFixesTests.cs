using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Service.Predictions;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service;

/// <summary>The smaller faults of issue 15, each against a real process.</summary>
public sealed class SmallFixesTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Request_bodies_null_tokens_duplicate_keys_and_the_cli_spellings()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        var id = await PredictMemoryTests.TrainTokenModelAsync(client);

        await Expect.ProblemAsync(client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json("{\"records\": [{\"tokens\": [\"w1\", null]}]}")),
            400, "records[0].tokens[1]", "expected a string, not null");
        await Expect.ProblemAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"hidden\": 4, \"hidden\": 4000}")),
            400, "hidden", "hidden: given more than once");
        await Expect.ProblemAsync(client.PostAsync($"/api/runs/{id}/predict",
            ApiClient.Json("{\"records\": [{\"tokens\": [\"w1\"]}], \"records\": [{\"tokens\": [\"w2\"]}]}")), 400, "records", "records: given more than once");
        var problem = await Expect.ProblemAsync(client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"init\": \"echo\"}")),
            400, "init", "echo-state");
        Assert.Contains("xavier", (string?)problem["detail"], StringComparison.Ordinal);

        // The CLI's spelling of --init echo-state, and the run-together one, both train.
        foreach (var init in new[] { "echo-state", "EchoState" })
        {
            var run = await client.CreateRunAsync(new { data = "adding:10", count = 16, cell = "rnn", hidden = 4, epochs = 1, init });
            await client.WaitStateAsync((long)run["id"]!, "succeeded");
        }
    }

    [Fact]
    public async Task A_checkpoint_resumes_under_other_diagnostics_and_one_of_other_training_options_is_not_resumed()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir, extraArgs: ["--Recurrent:CheckpointEverySteps=5"]);
        var client = service.Client;
        var lstm = (long)(await client.CreateRunAsync(new { data = "temporal-order:30", count = 640, cell = "lstm", hidden = 32, epochs = 1000, batch = 16 }))["id"]!;
        await client.WaitRunAsync(lstm, r => r.CheckpointStep() >= 5);
        // The same training measured otherwise: its checkpoint is this run's.
        var measuredOtherwise = (long)(await client.CreateRunAsync(new
        {
            data = "temporal-order:30",
            count = 640,
            cell = "lstm",
            hidden = 32,
            epochs = 1000,
            batch = 16,
            gradient_detail = "global",
            gradient_detail_every = 1,
            threads = 1,
        }))["id"]!;
        var gru = (long)(await client.CreateRunAsync(new { data = "temporal-order:30", count = 640, cell = "gru", hidden = 16, epochs = 2, batch = 16 }))["id"]!;
        // The LSTM/32 run's checkpoint put where the queued runs will look for their own.
        foreach (var queued in new[] { measuredOtherwise, gru })
        {
            Directory.CreateDirectory(Path.Combine(dataDir, "runs", $"{queued}"));
            File.Copy(Path.Combine(dataDir, "runs", $"{lstm}", "checkpoint.bin"), Path.Combine(dataDir, "runs", $"{queued}", "checkpoint.bin"));
        }
        using (var cancel = await client.PostAsync($"/api/runs/{lstm}/cancel", null))
            Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);

        var resumed = await EventAsync(dataDir, measuredOtherwise, "resumed: ");
        Assert.Matches(@"resumed from the checkpoint at step (\d+)", resumed);
        Assert.DoesNotContain("checkpoint-mismatch", StoredRuns.Events(dataDir, measuredOtherwise));
        using (var cancel = await client.PostAsync($"/api/runs/{measuredOtherwise}/cancel", null))
            Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);

        var done = await client.WaitRunAsync(gru, r => (string?)r["state"] is "succeeded" or "failed" or "cancelled");
        Assert.True((string?)done["state"] == "succeeded", done.ToJsonString());
        Assert.Equal(80, (long)done["progress"]!["step"]!);
        var events = StoredRuns.Events(dataDir, gru);
        // The first option that differs, as the request spells it.
        Assert.Contains("checkpoint-mismatch: runs/" + gru + "/checkpoint.bin was taken with other training options " +
            "(cell is Lstm in the checkpoint and Gru in this run); training starts over", events, StringComparison.Ordinal);
        Assert.DoesNotContain("resumed", events);
        // The run's model is its own: a GRU operator in the ONNX file, no LSTM.
        var onnx = System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(Path.Combine(dataDir, "runs", $"{gru}", "model.onnx")));
        Assert.Contains("GRU", onnx, StringComparison.Ordinal);
        Assert.DoesNotContain("LSTM", onnx, StringComparison.Ordinal);
    }

    // The run's first event line starting with prefix, once it is stored.
    private static async Task<string> EventAsync(string dataDir, long id, string prefix, double seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var line = StoredRuns.Events(dataDir, id).Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
                return line;
            Assert.True(DateTime.UtcNow < deadline, $"no '{prefix}' event within {seconds} s: {StoredRuns.Events(dataDir, id)}");
            await Task.Delay(100);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Leftovers_are_cleaned_the_store_is_owner_only_and_errors_say_relative_paths()
    {
        var dataDir = ServiceProcess.NewDataDir();
        long failed, orphan;
        await using (var first = await ServiceProcess.StartAsync(dataDir, extraArgs: ["--Recurrent:CheckpointEverySteps=1"]))
        {
            foreach (var file in new[] { "recurrent.db", "recurrent.db-wal", "recurrent.db-shm" })
                Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(dataDir, file)));

            // A run that fails after checkpoints were taken: a learning rate that overflows, with non_finite stop.
            failed = (long)(await first.Client.CreateRunAsync(new
            {
                data = "adding:10",
                count = 64,
                cell = "rnn",
                activation = "relu",
                hidden = 8,
                epochs = 50,
                batch = 8,
                lr = 1e30,
                optimizer = "sgd",
                non_finite = "stop"
            }))["id"]!;
            var run = await first.Client.WaitRunAsync(failed, r => (string?)r["state"] is "failed" or "succeeded");
            Assert.Equal("failed", (string?)run["state"]);
            Assert.True(File.Exists(Path.Combine(dataDir, "runs", $"{failed}", "checkpoint.bin"))); // a failure never deletes one

            // A queued run whose uploaded file disappears: its error names the file relative to the data directory.
            using (var upload = await first.Client.PostAsync("/api/datasets?name=a.jsonl",
                       new StringContent("{\"label\":\"a\",\"tokens\":[\"x\"]}\n{\"label\":\"b\",\"tokens\":[\"y\"]}\n")))
                Assert.Equal(System.Net.HttpStatusCode.Created, upload.StatusCode);
            var blocker = (long)(await first.Client.CreateRunAsync(new { data = "adding:50", count = 2000, hidden = 16, epochs = 1000 }))["id"]!;
            await first.Client.WaitStateAsync(blocker, "running");
            orphan = (long)(await first.Client.CreateRunAsync(new { dataset_id = 1, hidden = 4, epochs = 1 }))["id"]!;
            File.Delete(Path.Combine(dataDir, "datasets", "1.jsonl"));
            using (var cancel = await first.Client.PostAsync($"/api/runs/{blocker}/cancel", null))
                Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);
            var lost = await first.Client.WaitRunAsync(orphan, r => (string?)r["state"] is "failed" or "succeeded");
            Assert.Equal("failed", (string?)lost["state"]);
            var error = (string)lost["error"]!;
            Assert.Contains("datasets/1.jsonl", error, StringComparison.Ordinal);
            Assert.DoesNotContain(dataDir, error, StringComparison.Ordinal);
        }

        // What a SIGKILL or an older build leaves behind: atomic writes' temporary files, an unfinished upload, and a
        // store readable by everyone. The failed run's checkpoint stays.
        var leftovers = new[]
        {
            Path.Combine(dataDir, "runs", $"{failed}", ".checkpoint.bin.4242.0123456789abcdef.tmp"),
            Path.Combine(dataDir, "runs", $"{orphan}", ".model.onnx.4242.fedcba9876543210.tmp"),
            Path.Combine(dataDir, "datasets", ".upload-0123456789abcdef.jsonl"),
        };
        foreach (var file in leftovers)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, "half-written");
        }
        File.SetUnixFileMode(Path.Combine(dataDir, "recurrent.db"), OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await using var second = await ServiceProcess.StartAsync(dataDir);
        Assert.All(leftovers, f => Assert.False(File.Exists(f), $"{f} is still there"));
        Assert.True(File.Exists(Path.Combine(dataDir, "runs", $"{failed}", "checkpoint.bin")));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(dataDir, "recurrent.db")));
    }

    [Fact]
    public async Task Progress_after_a_restart_from_scratch_is_the_new_attempt_s()
    {
        var dataDir = ServiceProcess.NewDataDir();
        string[] args = ["--Recurrent:CheckpointEverySteps=10"];
        long id;
        await using (var first = await ServiceProcess.StartAsync(dataDir, extraArgs: args))
        {
            id = (long)(await first.Client.CreateRunAsync(new { data = "temporal-order:30", count = 640, cell = "rnn", hidden = 16, epochs = 1000, batch = 16 }))["id"]!;
            await first.Client.WaitRunAsync(id, r => r.CheckpointStep() >= 100);
            first.Kill();
        }
        // The checkpoint is lost: the run starts over from step 0.
        File.Delete(Path.Combine(dataDir, "runs", $"{id}", "checkpoint.bin"));
        await using var second = await ServiceProcess.StartAsync(dataDir, extraArgs: args);
        var run = await second.Client.WaitRunAsync(id, r => (string?)r["state"] == "running" && (int?)r["progress"]!["batch_in_epoch"] > 0);
        var progress = run["progress"]!;
        // The step shown is the new attempt's: (epoch − 1) × batches per epoch + batches of this epoch.
        var expected = ((long)progress["epoch"]! - 1) * (long)progress["batches_per_epoch"]! + (long)progress["batch_in_epoch"]!;
        Assert.Equal(expected, (long)progress["step"]!);
        Assert.Contains("restarted", StoredRuns.Events(dataDir, id));
    }
}
