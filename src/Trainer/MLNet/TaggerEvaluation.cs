using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Token-level metrics of a tagger's scored data view (what <c>EvaluateTagger</c> returns): over every step whose
/// tag is known (key ≠ 0), the mean cross-entropy of <c>Score</c>, token accuracy, the confusion matrix, per-tag
/// precision, recall and F1, and for BIO tags CoNLL's span scores.
/// </summary>
internal static class TaggerEvaluation
{
    // A probability of 0 would make the loss infinite; ML.NET's log-loss clamps the same way.
    private const double MinProbability = 1e-15;

    public static Evaluation Evaluate(IDataView data, string labelColumnName, string scoreColumnName, string predictedLabelColumnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        var schema = data.Schema;
        DataViewSchema.Column Find(string name, string role) => schema.GetColumnOrNull(name)
            ?? throw SchemaErrors.NotFound(role, name, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        var label = Find(labelColumnName, "label");
        var score = Find(scoreColumnName, "score");
        var predictedLabel = Find(predictedLabelColumnName, "predicted label");
        if (label.Type is not VectorDataViewType { ItemType: KeyDataViewType key })
            throw SchemaErrors.Mismatch("label", label.Name, TaggerColumns.ExpectedTags, label.Type.ToString()!);
        if (predictedLabel.Type is not VectorDataViewType { ItemType: KeyDataViewType })
            throw SchemaErrors.Mismatch("predicted label", predictedLabel.Name, "a vector of keys (the tagger's PredictedLabel)", predictedLabel.Type.ToString()!);
        if (score.Type is not VectorDataViewType { ItemType: NumberDataViewType n } || n != NumberDataViewType.Single)
            throw SchemaErrors.Mismatch("score", score.Name, "a vector of Single (the tagger's Score)", score.Type.ToString()!);
        var names = SequenceColumns.KeyNames(label, (int)key.Count);
        var classes = names.Length;
        var confusion = new int[classes, classes];
        var spans = SpanMetrics.AreBioTags(names) ? new List<(IReadOnlyList<string>, IReadOnlyList<string>)>() : null;
        double lossSum = 0;
        long scored = 0, correct = 0, row = 0;
        using var cursor = data.GetRowCursor([label, score, predictedLabel]);
        var labelGetter = cursor.GetGetter<VBuffer<uint>>(label);
        var scoreGetter = cursor.GetGetter<VBuffer<float>>(score);
        var predictedGetter = cursor.GetGetter<VBuffer<uint>>(predictedLabel);
        VBuffer<uint> tags = default, predicted = default;
        VBuffer<float> scores = default;
        while (cursor.MoveNext())
        {
            labelGetter(ref tags);
            scoreGetter(ref scores);
            predictedGetter(ref predicted);
            var gold = tags.DenseValues().ToArray();
            var guess = predicted.DenseValues().ToArray();
            var probabilities = scores.DenseValues().ToArray();
            if (guess.Length != gold.Length || probabilities.Length != gold.Length * classes)
                throw new ArgumentException(
                    $"Row {row}: {gold.Length} tags in '{label.Name}' but {guess.Length} predicted tags in '{predictedLabel.Name}' and {probabilities.Length} scores in '{score.Name}' ({classes} per step expected).");
            for (var t = 0; t < gold.Length; t++)
            {
                if (gold[t] == 0)
                    continue;
                var actual = (int)gold[t] - 1;
                scored++;
                lossSum -= Math.Log(Math.Max(probabilities[t * classes + actual], MinProbability));
                if (guess[t] == 0 || guess[t] > classes)
                    continue;
                confusion[actual, guess[t] - 1]++;
                if (guess[t] == gold[t])
                    correct++;
            }
            // An unknown tag is O in both sequences, as in the engine's evaluation.
            spans?.Add((gold.Select(g => g == 0 ? "O" : names[g - 1]).ToArray(),
                guess.Select((p, t) => gold[t] == 0 || p == 0 || p > classes ? "O" : names[p - 1]).ToArray()));
            row++;
        }
        var loss = scored > 0 ? lossSum / scored : double.NaN;
        return new Evaluation((int)row, loss, scored > 0 ? (double)correct / scored : null, confusion, null)
        {
            PerStep = true,
            Scored = scored,
            PerClass = ClassMetrics.FromConfusion(confusion, names),
            Spans = spans is null ? null : SpanMetrics.Score(spans),
        };
    }
}
