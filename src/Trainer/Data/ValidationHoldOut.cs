using Recurrent.Trainer.Data.Synthetic;
namespace Recurrent.Trainer.Data;

/// <summary>Holds out a seeded random fraction of a dataset for validation.</summary>
internal static class ValidationHoldOut
{
    // A stream number of its own, so the hold-out does not repeat the draws of a synthetic generator.
    private const ulong Stream = 0x484F4C44; // "HOLD"

    /// <summary>
    /// Splits <paramref name="data"/> into the kept and the held-out examples; fraction·n rounded to the nearest
    /// whole number are held out and
    /// both parts keep the original order.
    /// </summary>
    public static (SequenceDataset Train, SequenceDataset Validation) Split(SequenceDataset data, double fraction,
        int seed)
    {
        var (train, validation) = Indices(data.Count, fraction, seed, data.Name);
        return (data.Subset(train), data.Subset(validation, $"{data.Name} (held out)"));
    }

    /// <summary>
    /// The indices <see cref="Split"/> keeps and holds out of <paramref name="count"/> sequences, each part in order,
    /// with its error when either part would be empty: the split of a dataset counted but not loaded.
    /// </summary>
    public static (int[] Train, int[] Validation) Indices(int count, double fraction, int seed, string name)
    {
        var heldOut = (int)Math.Round(fraction * count, MidpointRounding.AwayFromZero);
        if (heldOut < 1 || heldOut >= count)
            throw new DataFormatException(name, null, "ValidationFraction",
                $"holding out {fraction} of {count} sequences leaves {heldOut} for validation and " +
                $"{count - heldOut} for training; both need at least one");
        var order = Enumerable.Range(0, count).ToArray();
        new DeterministicRandom(DeterministicRandom.DeriveSeed((ulong)seed, Stream)).Shuffle(order.AsSpan());
        var validation = order[..heldOut];
        var train = order[heldOut..];
        Array.Sort(validation);
        Array.Sort(train);
        return (train, validation);
    }
}
