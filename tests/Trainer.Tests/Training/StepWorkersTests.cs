using Microsoft.ML;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

public class StepWorkersTests
{
    [Fact]
    public void Every_part_runs_once_and_a_failed_part_reaches_the_caller()
    {
        using var team = new StepWorkers(1);
        for (var round = 0; round < 200; round++)
        {
            var runs = new int[5];
            Assert.True(team.TryRun(runs.Length, part => Interlocked.Increment(ref runs[part])));
            Assert.All(runs, count => Assert.Equal(1, count));
        }
        var error = Assert.Throws<AggregateException>(() => team.TryRun(2, part =>
        {
            if (part == 1)
                throw new InvalidOperationException("part 1 failed");
        }));
        Assert.Equal("part 1 failed", Assert.Single(error.InnerExceptions).Message);
        // A cancel of every part is one cancel, as the time loops' StepCancellation throws it.
        Assert.Throws<OperationCanceledException>(() => team.TryRun(2, _ => throw new OperationCanceledException()));
        Assert.Equal(200 + 2, team.HandOffs);
    }

    [Fact]
    public void A_hand_off_inside_a_part_runs_without_the_busy_team_and_a_stopped_team_runs_nothing()
    {
        var team = new StepWorkers(1);
        using (StepWorkers.Enter(team))
        {
            var inner = new int[4];
            Assert.True(team.TryRun(2, part =>
            {
                // The caller's part sees its own team busy; the helper's sees none: both fall back to the pool.
                PartRunner.Run(2, i => Interlocked.Increment(ref inner[2 * part + i]));
            }));
            Assert.All(inner, count => Assert.Equal(1, count));
        }
        var helper = Assert.Single(team.Helpers);
        Assert.True(helper.IsAlive);
        team.Dispose();
        Assert.False(helper.IsAlive);
        Assert.False(team.TryRun(2, _ => throw new InvalidOperationException("ran after Dispose")));
    }

    private static (TrainingLoop Loop, Watcher Watcher) Loop(CancellationTokenSource? cancelAtStep3 = null)
    {
        var data = EngineFixtures.TokenData(48, 10, [9, 4, 7], HeadKind.MultiClass, 3, seed: 21);
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 16,
            Epochs = 2,
            BatchSize = 16,
            Seed = 3,
            Threads = 2,
        };
        var model = new SequenceModelTrainer(options).Initialize(data);
        var watcher = new Watcher(cancelAtStep3);
        var loop = new TrainingLoop(model, options, data, data, watcher);
        watcher.Loop = loop;
        return (loop, watcher);
    }

    [Fact]
    public void A_run_on_two_threads_keeps_one_helper_through_its_steps_and_stops_it_when_it_ends()
    {
        var (loop, watcher) = Loop();
        loop.Run(CancellationToken.None);
        Assert.Equal(6, watcher.Steps);
        // One helper thread served every step of the run (validation between the epochs did not restart it).
        var helper = Assert.Single(watcher.Helpers.Distinct());
        Assert.False(helper.IsAlive);
        Assert.Null(loop.Workers);
    }

    [Fact]
    public void A_cancelled_run_stops_its_helper()
    {
        using var cancel = new CancellationTokenSource();
        var (loop, watcher) = Loop(cancel);
        Assert.Throws<OperationCanceledException>(() => loop.Run(cancel.Token));
        Assert.Equal(3, watcher.Steps);
        Assert.False(Assert.Single(watcher.Helpers.Distinct()).IsAlive);
        Assert.Null(loop.Workers);
    }

    [Fact]
    public void A_step_cancelled_inside_its_time_loops_stops_the_run_and_its_helper()
    {
        // The token the layers check between time steps (what the service's cancel reaches mid-step), cancelled
        // after the third step: the fourth throws from inside its forward pass.
        using var cancel = new CancellationTokenSource();
        var (loop, watcher) = Loop(cancel);
        using (StepCancellation.Enter(cancel.Token))
            Assert.ThrowsAny<OperationCanceledException>(() => loop.Run(CancellationToken.None));
        Assert.Equal(3, watcher.Steps);
        Assert.False(Assert.Single(watcher.Helpers.Distinct()).IsAlive);
    }

    // Notes the helper of each step's run while the run goes on, and cancels after step 3 when given a source.
    private sealed class Watcher(CancellationTokenSource? cancelAtStep3) : ITrainingObserver
    {
        public TrainingLoop? Loop { get; set; }

        public List<Thread> Helpers { get; } = [];

        public int Steps { get; private set; }

        public void OnStep(StepReport step)
        {
            Steps++;
            var helpers = Loop!.Workers!.Helpers;
            Assert.All(helpers, h => Assert.True(h.IsAlive));
            Helpers.AddRange(helpers);
            if (Steps == 3)
                cancelAtStep3?.Cancel();
        }

        public void OnEpoch(EpochReport epoch)
        {
        }
    }
}
