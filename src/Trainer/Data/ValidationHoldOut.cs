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
        var heldOut = (int)Math.Round(fraction * data.Count, MidpointRounding.AwayFromZero);
        if (heldOut < 1 || heldOut >= data.Count)
            throw new DataFormatException(data.Name, null, "ValidationFraction",
                $"holding out {fraction} of {data.Count} sequences leaves {heldOut} for validation and " +
                $"{data.Count - heldOut} for training; both need at least one");
        var order = Enumerable.Range(0, data.Count).ToArray();
        new DeterministicRandom(DeterministicRandom.DeriveSeed((ulong)seed, Stream)).Shuffle(order.AsSpan());
        var validation = order[..heldOut];
        var train = order[heldOut..];
        Array.Sort(validation);
        Array.Sort(train);
        return (data.Subset(train), data.Subset(validation, $"{data.Name} (held out)"));
    }
}
