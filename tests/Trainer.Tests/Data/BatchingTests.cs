using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tests.Data;

public sealed class BatchingTests
{
    [Fact]
    public void Epoch_order_is_a_permutation_fixed_by_seed_and_epoch()
    {
        var order = Batching.EpochOrder(100, seed: 5, epoch: 0);
        Assert.Equal(Enumerable.Range(0, 100), order.Order());
        Assert.NotEqual(Enumerable.Range(0, 100), order);
        Assert.Equal(order, Batching.EpochOrder(100, 5, 0));
        Assert.NotEqual(order, Batching.EpochOrder(100, 5, 1));
        Assert.NotEqual(order, Batching.EpochOrder(100, 6, 0));
    }

    [Fact]
    public void Batches_cover_every_index_once_with_a_short_last_batch()
    {
        var batches = Batching.ShuffledBatches(10, 4, seed: 1, epoch: 2);
        Assert.Equal([4, 4, 2], batches.Select(b => b.Length));
        Assert.Equal(Batching.EpochOrder(10, 1, 2), batches.SelectMany(b => b));
    }

    [Fact]
    public void Drop_last_leaves_out_the_short_batch()
    {
        var batches = Batching.ShuffledBatches(10, 4, seed: 1, epoch: 0, dropLast: true);
        Assert.Equal([4, 4], batches.Select(b => b.Length));
    }

    [Fact]
    public void Sequential_batches_are_in_index_order()
    {
        Assert.Equal([[0, 1, 2], [3, 4]], Batching.SequentialBatches(5, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Batching.SequentialBatches(5, 0));
    }
}
