namespace Recurrent.Trainer.Models;

/// <summary>
/// Span (chunk) scores of a BIO tagger, as CoNLL's evaluation script defines them: a span is a maximal run of tags
/// of one type that starts at B-X, or at I-X after O or after a tag of another type, and continues over I-X; a
/// predicted span counts as correct only when its first step, last step and type all equal a gold span's (exact
/// match). Precision = correct / predicted spans, recall = correct / gold spans, F1 their harmonic mean (each 0 when
/// its denominator is 0).
/// </summary>
/// <param name="Precision">Of the predicted spans, the fraction that match a gold span exactly.</param>
/// <param name="Recall">Of the gold spans, the fraction predicted exactly.</param>
/// <param name="F1">2·P·R / (P + R): the figure CoNLL reports.</param>
/// <param name="GoldSpans">Spans in the labels.</param>
/// <param name="PredictedSpans">Spans in the predictions.</param>
/// <param name="CorrectSpans">Predicted spans that match a gold span exactly.</param>
/// <param name="PerType">The same per span type (PER, LOC, ...), in name order.</param>
public sealed record SpanMetrics(double Precision, double Recall, double F1, long GoldSpans, long PredictedSpans,
    long CorrectSpans, IReadOnlyList<SpanTypeMetrics> PerType)
{
    /// <summary>
    /// Whether labels are BIO tags: every one is O or B-X/I-X (IOB1 and IOB2 both are), with at least one B- or I-.
    /// </summary>
    public static bool AreBioTags(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return labels.All(l => l == "O" || (l.Length > 2 && (l.StartsWith("B-", StringComparison.Ordinal) || l.StartsWith("I-", StringComparison.Ordinal))))
            && labels.Any(l => l != "O");
    }

    /// <summary>The spans of one tag sequence: (first step, last step, type), in order. Tags other than B-/I- are outside.</summary>
    public static IReadOnlyList<(int Start, int End, string Type)> Spans(IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var spans = new List<(int, int, string)>();
        string? open = null;
        var start = 0;
        for (var t = 0; t <= tags.Count; t++)
        {
            var (prefix, type) = t < tags.Count ? Split(tags[t]) : ('O', "");
            // A span ends before a tag that does not continue it: O, any B-, or an I- of another type.
            if (open is not null && (prefix != 'I' || type != open))
            {
                spans.Add((start, t - 1, open));
                open = null;
            }
            if (prefix == 'B' || (prefix == 'I' && open is null))
            {
                open = type;
                start = t;
            }
        }
        return spans;
    }

    /// <summary>Scores predicted tag sequences against gold ones (pairs of equal length).</summary>
    public static SpanMetrics Score(IEnumerable<(IReadOnlyList<string> Gold, IReadOnlyList<string> Predicted)> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var counts = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        long[] Of(string type) => counts.TryGetValue(type, out var c) ? c : counts[type] = new long[3];
        foreach (var (gold, predicted) in sequences)
        {
            if (gold.Count != predicted.Count)
                throw new ArgumentException($"A gold sequence of {gold.Count} tags was paired with {predicted.Count} predicted tags.");
            var goldSpans = Spans(gold).ToHashSet();
            foreach (var span in goldSpans)
                Of(span.Type)[0]++;
            foreach (var span in Spans(predicted))
            {
                var c = Of(span.Type);
                c[1]++;
                if (goldSpans.Contains(span))
                    c[2]++;
            }
        }
        var perType = counts.Select(pair => SpanTypeMetrics.From(pair.Key, pair.Value[0], pair.Value[1], pair.Value[2])).ToArray();
        var all = SpanTypeMetrics.From("", perType.Sum(p => p.GoldSpans), perType.Sum(p => p.PredictedSpans), perType.Sum(p => p.CorrectSpans));
        return new SpanMetrics(all.Precision, all.Recall, all.F1, all.GoldSpans, all.PredictedSpans, all.CorrectSpans, perType);
    }

    private static (char Prefix, string Type) Split(string tag) =>
        tag.Length > 2 && tag[1] == '-' && (tag[0] == 'B' || tag[0] == 'I') ? (tag[0], tag[2..]) : ('O', "");
}

/// <summary>The span scores of one type.</summary>
/// <param name="Type">The span type (the X of B-X).</param>
/// <param name="Precision">Correct / predicted spans of this type.</param>
/// <param name="Recall">Correct / gold spans of this type.</param>
/// <param name="F1">Their harmonic mean.</param>
/// <param name="GoldSpans">Gold spans of this type.</param>
/// <param name="PredictedSpans">Predicted spans of this type.</param>
/// <param name="CorrectSpans">Predicted spans of this type that match a gold one exactly.</param>
public sealed record SpanTypeMetrics(string Type, double Precision, double Recall, double F1, long GoldSpans,
    long PredictedSpans, long CorrectSpans)
{
    internal static SpanTypeMetrics From(string type, long gold, long predicted, long correct)
    {
        var precision = predicted > 0 ? (double)correct / predicted : 0;
        var recall = gold > 0 ? (double)correct / gold : 0;
        var f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        return new SpanTypeMetrics(type, precision, recall, f1, gold, predicted, correct);
    }
}
