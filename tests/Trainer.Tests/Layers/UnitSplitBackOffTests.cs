using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// The batch-1 split's back-off (UnitSplitBackOff.cs): a sequence of pass outcomes gives which passes split. A
/// failed split (the helper published under a quarter of the halves) skips 4, 8, 16, 32, 64, 64… passes; a split
/// that pays resets the next skip to 4.
/// </summary>
public class UnitSplitBackOffTests
{
    // Runs `passes` passes, each split one reporting the helper's halves from `helper` (out of 100); returns
    // 'S' for a split pass and '.' for one on one thread.
    private static string Run(UnitSplitBackOff policy, int passes, Func<int, int> helper)
    {
        var chosen = new char[passes];
        var splits = 0;
        for (var i = 0; i < passes; i++)
        {
            var split = policy.ShouldSplit();
            chosen[i] = split ? 'S' : '.';
            if (split)
                policy.Record(helper(splits++), 100);
        }
        return new string(chosen);
    }

    [Fact]
    public void A_split_that_pays_keeps_splitting()
    {
        Assert.Equal(new string('S', 20), Run(new UnitSplitBackOff(), 20, _ => 25)); // a quarter is enough
    }

    [Fact]
    public void Failing_splits_back_off_for_doubling_runs_up_to_64_passes()
    {
        var expected = "S" + new string('.', 4) + "S" + new string('.', 8) + "S" + new string('.', 16) + "S"
            + new string('.', 32) + "S" + new string('.', 64) + "S" + new string('.', 64) + "S";
        Assert.Equal(expected, Run(new UnitSplitBackOff(), expected.Length, _ => 24));
    }

    [Fact]
    public void A_split_that_pays_resets_the_back_off()
    {
        // Fail, fail, pay, fail: the skips are 4, 8, none, then 4 again.
        int[] helper = [0, 10, 90, 3, 0];
        var expected = "S" + new string('.', 4) + "S" + new string('.', 8) + "S" + "S" + new string('.', 4) + "S";
        Assert.Equal(expected, Run(new UnitSplitBackOff(), expected.Length, k => helper[k]));
    }

    [Fact]
    public void A_pass_of_no_steps_counts_as_failed()
    {
        var policy = new UnitSplitBackOff();
        Assert.True(policy.ShouldSplit());
        policy.Record(0, 0);
        Assert.Equal([false, false, false, false, true],
            Enumerable.Range(0, 5).Select(_ => policy.ShouldSplit()).ToArray());
    }
}
