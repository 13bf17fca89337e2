namespace Recurrent.Trainer.Models;

/// <summary>
/// An encoder–decoder on a set of pairs. <see cref="Loss"/> is teacher-forced: the mean cross-entropy (nats) of
/// each target symbol and ⟨/s⟩ given the true prefix. The accuracies are of greedy decoding, which feeds back its own
/// outputs: <see cref="SequenceAccuracy"/> counts outputs equal to the target (length included), and
/// <see cref="TokenAccuracy"/> the positions i where output and target agree, over Σ max(|output|, |target|), so a
/// missing or an extra symbol counts as wrong.
/// </summary>
internal sealed record EncoderDecoderEvaluation(int Count, double Loss, double TokenAccuracy, double SequenceAccuracy)
{
    /// <summary>The token and sequence accuracies of outputs against targets, as defined above.</summary>
    public static (double Token, double Sequence) Accuracies(IReadOnlyList<int[]> outputs, IReadOnlyList<int[]> targets)
    {
        long agree = 0, positions = 0;
        var exact = 0;
        for (var n = 0; n < targets.Count; n++)
        {
            int[] output = outputs[n], target = targets[n];
            positions += Math.Max(output.Length, target.Length);
            for (var i = 0; i < Math.Min(output.Length, target.Length); i++)
                agree += output[i] == target[i] ? 1 : 0;
            exact += output.AsSpan().SequenceEqual(target) ? 1 : 0;
        }
        return (positions == 0 ? 0 : (double)agree / positions, targets.Count == 0 ? 0 : (double)exact / targets.Count);
    }
}
