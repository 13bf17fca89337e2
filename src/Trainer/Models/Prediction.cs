namespace Recurrent.Trainer.Models;

/// <summary>A model's answer for one sequence.</summary>
/// <param name="ClassIndex">The most probable class (-1 for regression).</param>
/// <param name="Label">The most probable class's name (null for regression).</param>
/// <param name="Probabilities">One probability per class, in the label set's order (empty for regression).</param>
/// <param name="Value">The regression output (NaN for classification).</param>
public sealed record Prediction(int ClassIndex, string? Label, float[] Probabilities, float Value);

/// <summary>
/// How well a model does on a labelled dataset. For a per-step head every figure is over the labelled steps
/// (tokens): the loss is the mean per-step loss, the accuracy token accuracy, the confusion matrix counts steps.
/// </summary>
/// <param name="Count">Sequences evaluated.</param>
/// <param name="Loss">Mean loss (cross-entropy, or squared error for regression), per sequence or per labelled step.</param>
/// <param name="Accuracy">Fraction classified correctly (null for regression).</param>
/// <param name="ConfusionMatrix">Counts [actual, predicted] (null for regression).</param>
/// <param name="MeanSquaredError">Mean squared error (regression only).</param>
public sealed record Evaluation(int Count, double Loss, double? Accuracy, int[,]? ConfusionMatrix,
    double? MeanSquaredError)
{
    /// <summary>Whether the model has a per-step head, so the figures count steps rather than sequences.</summary>
    public bool PerStep { get; init; }

    /// <summary>What the figures are averaged over: labelled steps for a per-step head, sequences otherwise.</summary>
    public long Scored { get; init; }

    /// <summary>
    /// Precision, recall and F1 of every class, in label order (classifiers; null for regression): on the steps for
    /// a per-step head, so a tagger's per-label token scores.
    /// </summary>
    public IReadOnlyList<ClassMetrics>? PerClass { get; init; }

    /// <summary>The unweighted mean of <see cref="PerClass"/>'s F1 (null for regression).</summary>
    public double? MacroF1 => PerClass is { Count: > 0 } classes ? classes.Average(c => c.F1) : null;

    /// <summary>exp(mean cross-entropy) of a per-step softmax head (a language model's perplexity); null otherwise.</summary>
    public double? Perplexity { get; init; }

    /// <summary>
    /// Mean cross-entropy in bits (loss / ln 2) of a per-step softmax head: bits per character for a character
    /// language model; null otherwise.
    /// </summary>
    public double? BitsPerStep { get; init; }

    /// <summary>
    /// Span precision, recall and F1 of a per-step tagger whose labels are BIO tags (O, B-X, I-X), as CoNLL scores
    /// them (<see cref="SpanMetrics"/>); null for other models.
    /// </summary>
    public SpanMetrics? Spans { get; init; }
}

/// <summary>
/// One class's scores from a confusion matrix: precision = TP / (TP + FP), recall = TP / (TP + FN) and their
/// harmonic mean F1, each 0 when its denominator is 0.
/// </summary>
/// <param name="Label">The class name.</param>
/// <param name="Precision">Of the predictions of this class, the fraction that were right.</param>
/// <param name="Recall">Of the items of this class, the fraction predicted as it.</param>
/// <param name="F1">2·P·R / (P + R).</param>
/// <param name="Support">Items (sequences or steps) of this class.</param>
public sealed record ClassMetrics(string Label, double Precision, double Recall, double F1, long Support)
{
    /// <summary>The scores of every class of a confusion matrix [actual, predicted].</summary>
    public static ClassMetrics[] FromConfusion(int[,] confusion, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        ArgumentNullException.ThrowIfNull(labels);
        var classes = confusion.GetLength(0);
        var result = new ClassMetrics[classes];
        for (var c = 0; c < classes; c++)
        {
            long truePositives = confusion[c, c], actual = 0, predicted = 0;
            for (var k = 0; k < classes; k++)
            {
                actual += confusion[c, k];
                predicted += confusion[k, c];
            }
            var precision = predicted > 0 ? (double)truePositives / predicted : 0;
            var recall = actual > 0 ? (double)truePositives / actual : 0;
            var f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
            result[c] = new ClassMetrics(labels[c], precision, recall, f1, actual);
        }
        return result;
    }
}
