namespace Microsoft.ML;

/// <summary>
/// What <c>EvaluateEncoderDecoder</c> measures on an encoder–decoder's output: over the <see cref="Count"/> rows whose
/// target is known, <see cref="TokenAccuracy"/> (positions where output and target agree over
/// <see cref="Positions"/> = Σ max(|output|, |target|)) and <see cref="SequenceAccuracy"/> (outputs equal to their
/// target, length included).
/// </summary>
public sealed class RecurrentEncoderDecoderMetrics
{
    internal RecurrentEncoderDecoderMetrics(long count, long skipped, long positions, long agreeing, long exact)
    {
        Count = count;
        Skipped = skipped;
        Positions = positions;
        TokenAccuracy = positions == 0 ? double.NaN : (double)agreeing / positions;
        SequenceAccuracy = count == 0 ? double.NaN : (double)exact / count;
    }

    /// <summary>Rows scored: those whose target has at least one symbol and no missing key.</summary>
    public long Count { get; }

    /// <summary>Rows left out because their target is empty or holds a missing key (0).</summary>
    public long Skipped { get; }

    /// <summary>Σ max(|output|, |target|) over the scored rows: the positions token accuracy counts.</summary>
    public long Positions { get; }

    /// <summary>The share of <see cref="Positions"/> where output and target hold the same symbol (NaN with no row).</summary>
    public double TokenAccuracy { get; }

    /// <summary>The share of scored rows whose output equals the target, length included (NaN with no row).</summary>
    public double SequenceAccuracy { get; }
}
