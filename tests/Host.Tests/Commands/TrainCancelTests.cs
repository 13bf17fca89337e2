using System.Diagnostics;
using System.Text;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Commands;

/// <summary>
/// Ctrl+C (SIGINT) stops `recurrent train` inside a training step, not only between steps, and writes nothing. The
/// run has two epochs of one very large step each; the signal comes while the first step's forward pass fills its
/// activations. None of the assertions depends on the machine's speed: had the step under way completed, the epoch
/// line would be printed (and, before this was fixed, the run went on to check the cancel only before the next step).
/// The child is started with SIGINT at its default disposition (<see cref="RecurrentCommand.StartInfo"/>): a test run
/// started in the background by a script ignored it, and the run then trained to the end with exit code 0.
/// </summary>
public sealed class TrainCancelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ctrl_c_stops_a_training_step_under_way_and_writes_nothing()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("never.model");
        var onnx = directory.File("never.onnx");
        // One step of 16 sequences of 1,000 steps through an LSTM of 1,024 units: about 4·10^11 floating-point
        // operations over 0.8 GiB of activations, per epoch.
        var info = RecurrentCommand.StartInfo(
        [
            "train", "--data", "adding:1000", "--count", "16", "--cell", "lstm", "--hidden-size", "1024",
            "--batch-size", "16", "--epochs", "2", "--threads", "1", "--out", model, "--onnx", onnx,
        ]);
        using var process = Process.Start(info)!;
        var stdout = new StringBuilder();
        var dataLoaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (stdout)
                stdout.AppendLine(e.Data);
            if (e.Data.StartsWith("data:", StringComparison.Ordinal))
                dataLoaded.TrySetResult();
        };
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            await dataLoaded.Task.WaitAsync(TimeSpan.FromMinutes(2));
            var withData = ProcessStatus.ResidentMiB(process.Id);
            await RecurrentCommand.InterruptFirstStep(process, withData, async () => $"{stdout}\n{await stderr}", output);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        process.WaitForExit(); // the end of the redirected output
        var error = await stderr;
        output.WriteLine(error);
        Assert.Equal(130, process.ExitCode);
        Assert.Contains($"recurrent: training cancelled (Ctrl+C) after 0 completed steps; nothing was written to {model}", error);
        lock (stdout)
            Assert.DoesNotContain("epoch 1/2", stdout.ToString());
        Assert.False(File.Exists(model), "a cancelled run wrote its model");
        Assert.False(File.Exists(onnx), "a cancelled run wrote its ONNX file");
        Assert.Empty(Directory.GetFiles(directory.Path));
    }
}
