using System.Security.Cryptography;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Workers;

/// <summary>
/// A checkpoint is rewritten every few steps while its digest is kept in the store. A SIGKILL at each point of that
/// rewrite (new file written beside the old, its digest staged, renamed over the old, published) leaves a checkpoint
/// the next start resumes, never one it calls damaged and starts over from (which lost all progress).
/// </summary>
public sealed class CheckpointReplaceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("written", 20)] // the new checkpoint is beside the old one: the old is resumed
    [InlineData("staged", 20)] // its digest is staged, the old still in place: the old is resumed
    [InlineData("renamed", 30)] // the new one replaced the old but is not published yet: the new is resumed
    public async Task Killed_while_a_checkpoint_is_replaced_the_next_start_resumes_an_intact_one(string point, long resumedAt)
    {
        var dataDir = ServiceProcess.NewDataDir();
        var hold = Path.Combine(dataDir, "hold");
        string[] args = ["--Recurrent:CheckpointEverySteps=10", $"--Recurrent:Debug:HoldFile={hold}"];
        var reference = await Weights.InterruptibleAloneAsync();
        long interrupted;
        var checkpoint = "";
        await using (var first = await ServiceProcess.StartAsync(dataDir, extraArgs: args))
        {
            File.WriteAllText(hold, $"30 {point}");
            interrupted = (long)(await first.Client.CreateRunAsync(TrainingSpecs.Interruptible("interrupted")))["id"]!;
            await WaitForFileAsync(hold + ".reached");
            checkpoint = Path.Combine(dataDir, "runs", $"{interrupted}", "checkpoint.bin");
            first.Kill();
        }
        File.Delete(hold);
        // The window is real: after the rename the file on disk is not the one whose digest is published.
        Assert.Equal(point == "renamed", Sha256(checkpoint) != PublishedDigest(dataDir, interrupted));

        await using var second = await ServiceProcess.StartAsync(dataDir, extraArgs: args);
        var resumed = await second.Client.WaitStateAsync(interrupted, "succeeded");
        Assert.Equal(TrainingSpecs.InterruptibleSteps, (long)resumed["progress"]!["step"]!);
        var events = StoredRuns.Events(dataDir, interrupted);
        Assert.Contains($"resumed from the checkpoint at step {resumedAt}", events);
        Assert.DoesNotContain("checkpoint-unreadable", events);
        Assert.DoesNotContain("damaged", events);
        Weights.AssertIdentical(reference, Weights.Of(dataDir, interrupted));
    }

    private static async Task WaitForFileAsync(string path)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the run never reached the hold ({path})");
            await Task.Delay(20);
        }
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string PublishedDigest(string dataDir, long id) =>
        (string)StoredRuns.Scalar(dataDir, "SELECT sha256 FROM file_digests WHERE key = 'runs/' || $id || '/checkpoint.bin'", id)!;
}
