using System.Diagnostics;
using Microsoft.ML;
using Recurrent.Host.Commands;
using Recurrent.Host.Tests.Service;
using Recurrent.Host.Tests.Support;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Tests.Commands;

/// <summary>
/// The progress of `recurrent train`: the bar with steps/s and ETA on a terminal, plain lines otherwise. The
/// reporter watches a real training run; a clock that advances one second per step makes its figures exact.
/// </summary>
public sealed class ProgressReporterTests
{
    /// <summary>20 steps per epoch: 320 sequences of temporal order in batches of 16.</summary>
    private const int StepsPerEpoch = 20;

    [Fact]
    public void On_a_terminal_the_bar_redraws_in_place_with_steps_per_second_and_eta()
    {
        var output = Train(interactive: true, secondsPerStep: 1);
        var frames = output.Split('\r', StringSplitOptions.RemoveEmptyEntries);
        // Step 5 of epoch 1 at one step a second: 15 s left in the epoch, 35 s in the run.
        Assert.Contains(frames, f => f.StartsWith("epoch 1/2 [#####...............]", StringComparison.Ordinal)
            && f.Contains("5/20 steps 1.0 steps/s ETA 0:15 (run 0:35)", StringComparison.Ordinal));
        Assert.Contains(frames, f => f.StartsWith("epoch 2/2 ", StringComparison.Ordinal)
            && f.Contains("19/20 steps 1.0 steps/s ETA 0:01 (run 0:01)", StringComparison.Ordinal));
        // A redraw every step (a step takes longer than the 200 ms between redraws), and none ends the line:
        // only the epoch lines do.
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal(2 * (StepsPerEpoch - 1), frames.Count(f => f.Contains(" steps/s ETA ", StringComparison.Ordinal)));
        Assert.Contains("epoch 1/2 1.0 steps/s loss ", output, StringComparison.Ordinal);

        // On an 80-column terminal every frame is cut to 79 columns, so it never wraps.
        var narrow = Train(interactive: true, secondsPerStep: 1, width: 80);
        var narrowFrames = narrow.Split('\r', StringSplitOptions.RemoveEmptyEntries).Where(f => !f.Contains('\n')).ToArray();
        Assert.NotEmpty(narrowFrames);
        Assert.All(narrowFrames, f => Assert.Equal(79, f.Length));
    }

    [Fact]
    public void Without_a_terminal_it_writes_plain_lines_a_progress_line_every_ten_seconds_and_one_per_epoch()
    {
        var output = Train(interactive: false, secondsPerStep: 1);
        Assert.DoesNotContain('\r', output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToArray();
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("epoch 1/2 10/20 steps 1.0 steps/s ETA 0:10 (run 0:30) | loss ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("epoch 1/2 1.0 steps/s loss ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("epoch 2/2 10/20 steps 1.0 steps/s ETA 0:10 (run 0:10) | loss ", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("epoch 2/2 1.0 steps/s loss ", lines[3], StringComparison.Ordinal);
        // The epoch lines end with the detail of the epoch's last step (the default detail level, block).
        Assert.Contains(" | most saturated tanh (layer 0 forward) ", lines[1], StringComparison.Ordinal);
        Assert.Contains(", update/weight median ", lines[3], StringComparison.Ordinal);
        Assert.DoesNotContain("update/weight", lines[0], StringComparison.Ordinal);

        // Epochs shorter than the interval: the epoch lines alone.
        var fast = Train(interactive: false, secondsPerStep: 0.01);
        Assert.Equal(2, fast.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData(5, "0:05")]
    [InlineData(83, "1:23")]
    [InlineData(3600 + 62, "1:01:02")]
    public void Durations_read_as_minutes_and_seconds(double seconds, string text) =>
        Assert.Equal(text, ProgressReporter.Duration(seconds));

    [Fact]
    public void The_real_command_draws_the_bar_under_a_pty_and_plain_lines_into_a_pipe()
    {
        using var directory = new TemporaryDirectory();
        var model = Path.Combine(directory.Path, "m.model");
        var train = $"dotnet {ServiceProcess.RecurrentDll} train --data temporal-order:20 --count 640 --cell lstm --hidden 8 --epochs 2 --out {model}";
        // script(1) runs the command on a pseudo-terminal, as a user's shell would. The bar is drawn at each
        // epoch's first step whatever the speed, so this does not depend on the machine.
        var onTerminal = ExternalCommand.Run("script", "-qec", train, "/dev/null");
        Assert.Contains("\repoch 1/2 [", onTerminal, StringComparison.Ordinal);
        Assert.Contains(" steps/s ETA ", onTerminal, StringComparison.Ordinal);
        var piped = ExternalCommand.Run("bash", "-c", train + " | cat");
        Assert.DoesNotContain('\r', piped);
        Assert.Contains("epoch 2/2 ", piped, StringComparison.Ordinal);
        var json = ExternalCommand.Run("bash", "-c", train + " --json | cat");
        Assert.StartsWith("{", json.Trim(), StringComparison.Ordinal);
        Assert.Single(json.Trim().Split('\n'));
    }

    private static string Train(bool interactive, double secondsPerStep, int width = 0)
    {
        var splits = DatasetLoader.Load("temporal-order:20", options: new DatasetOptions { Count = 320 });
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Rnn, HiddenSize = 4, Epochs = 2, BatchSize = 16, Seed = 1 };
        var clock = new SteppedClock();
        var output = new StringWriter();
        var reporter = new ProgressReporter(output, options.Epochs, interactive, clock, terminalWidth: () => width);
        new SequenceModelTrainer(options).Fit(splits.Train, null, new Ticking(clock, secondsPerStep, reporter));
        return output.ToString();
    }


    /// <summary>Time that moves only when told.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(double seconds) => _ticks += (long)(seconds * TimeSpan.TicksPerSecond);
    }

    /// <summary>Advances the clock by a step's worth before the reporter sees the step.</summary>
    private sealed class Ticking(SteppedClock clock, double secondsPerStep, ITrainingObserver next) : ITrainingObserver
    {
        public void OnStep(StepReport step)
        {
            clock.Advance(secondsPerStep);
            next.OnStep(step);
        }

        public void OnEpoch(EpochReport epoch) => next.OnEpoch(epoch);
    }
}
