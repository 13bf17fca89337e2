namespace Recurrent.Trainer.Data;

/// <summary>Cuts sequences down to a maximum number of steps.</summary>
internal static class SequenceTruncation
{
    /// <summary>
    /// The steps of <paramref name="items"/> (row-major, <paramref name="width"/> items per step) that the
    /// policy keeps; the same array when it is short enough.
    /// </summary>
    public static T[] Keep<T>(T[] items, int width, int? maxSteps, TruncationPolicy policy)
    {
        if (maxSteps is not { } max || items.Length <= max * width)
            return items;
        var start = policy == TruncationPolicy.KeepFirst ? 0 : items.Length - max * width;
        return items.AsSpan(start, max * width).ToArray();
    }

    /// <summary>The example cut to at most <paramref name="maxSteps"/> steps.</summary>
    public static SequenceExample Keep(SequenceExample example, int featureCount, int? maxSteps,
        TruncationPolicy policy)
    {
        if (maxSteps is not { } max || example.Length <= max)
            return example;
        if (example.IsPerStep)
            return KeepPerStep(example, featureCount, max, policy);
        if (example.TokenIds is { } ids)
        {
            var kept = Keep(ids, 1, max, policy);
            return example.ClassIndex >= 0
                ? SequenceExample.FromTokens(kept, example.ClassIndex)
                : SequenceExample.FromTokens(kept, example.Target);
        }
        var steps = Keep(example.Features!, featureCount, max, policy);
        return example.ClassIndex >= 0
            ? SequenceExample.FromSteps(steps, featureCount, example.ClassIndex)
            : SequenceExample.FromSteps(steps, featureCount, example.Target);
    }

    // A label per step is cut with its step.
    private static SequenceExample KeepPerStep(SequenceExample example, int featureCount, int max,
        TruncationPolicy policy)
    {
        var classes = example.StepClassIndices is { } c ? Keep(c, 1, max, policy) : null;
        var targets = example.StepTargets is { } y ? Keep(y, 1, max, policy) : null;
        if (example.TokenIds is { } ids)
        {
            var kept = Keep(ids, 1, max, policy);
            return classes is not null ? SequenceExample.FromTokens(kept, classes) : SequenceExample.FromTokens(kept, targets!);
        }
        var steps = Keep(example.Features!, featureCount, max, policy);
        return classes is not null
            ? SequenceExample.FromSteps(steps, featureCount, classes)
            : SequenceExample.FromSteps(steps, featureCount, targets!);
    }
}
