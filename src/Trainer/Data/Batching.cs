using Recurrent.Trainer.Data.Synthetic;
namespace Recurrent.Trainer.Data;

/// <summary>
/// Mini-batch orders: a fresh shuffle of the example indices every epoch, decided by the seed and the epoch
/// number alone, so a run resumed at epoch k sees the same batches it would have seen.
/// </summary>
internal static class Batching
{
    private const ulong Stream = 0x42415443; // "BATC": a stream apart from the data generators

    /// <summary>A permutation of 0 … <paramref name="count"/>−1 for <paramref name="epoch"/>.</summary>
    public static int[] EpochOrder(int count, int seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = Enumerable.Range(0, count).ToArray();
        var epochSeed = DeterministicRandom.DeriveSeed(DeterministicRandom.DeriveSeed((ulong)seed, Stream), (ulong)epoch);
        new DeterministicRandom(epochSeed).Shuffle(order.AsSpan());
        return order;
    }

    /// <summary>
    /// The batches of one epoch: <see cref="EpochOrder"/> cut into runs of <paramref name="batchSize"/>; the
    /// last batch is shorter when the count does not divide, or left out with <paramref name="dropLast"/>.
    /// </summary>
    public static IReadOnlyList<int[]> ShuffledBatches(int count, int batchSize, int seed, int epoch,
        bool dropLast = false) => Cut(EpochOrder(count, seed, epoch), batchSize, dropLast);

    /// <summary>Batches in index order, for evaluation where order does not matter.</summary>
    public static IReadOnlyList<int[]> SequentialBatches(int count, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Cut(Enumerable.Range(0, count).ToArray(), batchSize, dropLast: false);
    }

    private static int[][] Cut(int[] order, int batchSize, bool dropLast)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var batches = order.Chunk(batchSize);
        return (dropLast ? batches.Where(batch => batch.Length == batchSize) : batches).ToArray();
    }
}
