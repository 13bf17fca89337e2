using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Training;

/// <summary>
/// <see cref="StepWorkers.TryRunAlongside"/> returns when the caller's body is done, whatever the helper's does: a
/// helper held up (here: blocked on an event) never holds the caller, the team takes the next hand-off meanwhile
/// (its caller runs the parts the held helper cannot), and the helper's body still runs once.
/// </summary>
public class RunAlongsideTests
{
    [Fact]
    public void The_caller_returns_without_waiting_for_a_held_helper()
    {
        using var team = new StepWorkers(1);
        using var helperStarted = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var helperRuns = 0;
        var callerRan = false;
        Assert.True(team.TryRunAlongside(() => callerRan = true, () =>
        {
            Interlocked.Increment(ref helperRuns);
            helperStarted.Set();
            release.Wait();
        }));
        Assert.True(callerRan);
        Assert.True(helperStarted.Wait(TimeSpan.FromSeconds(30)));
        // The helper is still inside its body; the team is free for the next hand-off, whose caller runs every part.
        var parts = new int[3];
        Assert.True(team.TryRun(parts.Length, part => Interlocked.Increment(ref parts[part])));
        Assert.All(parts, count => Assert.Equal(1, count));
        release.Set();
        Assert.Equal(2, team.HandOffs);
        Assert.Equal(1, Volatile.Read(ref helperRuns));
    }

    [Fact]
    public void A_busy_team_runs_nothing_alongside()
    {
        using var team = new StepWorkers(1);
        var ran = false;
        Assert.True(team.TryRun(2, part =>
        {
            if (part == 0)
                Assert.False(team.TryRunAlongside(() => ran = true, () => ran = true));
        }));
        Assert.False(ran);
        team.Dispose();
        Assert.False(team.TryRunAlongside(() => ran = true, () => ran = true));
        Assert.False(ran);
    }
}
