using Microsoft.ML;
using Microsoft.ML.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Scores an encoder–decoder's output (what <c>EvaluateEncoderDecoder</c> returns): the predicted and the target
/// column, vectors of one key type, compared row by row as the engine's evaluation compares them
/// (<see cref="Models.EncoderDecoderEvaluation.Accuracies"/>).
/// </summary>
internal static class EncoderDecoderOutputEvaluation
{
    public static RecurrentEncoderDecoderMetrics Evaluate(IDataView data, string labelColumnName, string predictedLabelColumnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        var schema = data.Schema;
        DataViewSchema.Column Find(string name, string role) => schema.GetColumnOrNull(name)
            ?? throw SchemaErrors.NotFound(role, name, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        var label = Find(labelColumnName, "label");
        var predicted = Find(predictedLabelColumnName, "predicted label");
        if (label.Type is not VectorDataViewType { ItemType: KeyDataViewType labelKey })
            throw SchemaErrors.Mismatch("label", label.Name, EncoderDecoderColumns.ExpectedTarget, label.Type.ToString()!);
        if (predicted.Type is not VectorDataViewType { ItemType: KeyDataViewType predictedKey })
            throw SchemaErrors.Mismatch("predicted label", predicted.Name, "a vector of keys (the encoder–decoder's PredictedLabel)", predicted.Type.ToString()!);
        if (predictedKey.Count != labelKey.Count)
            throw new ArgumentOutOfRangeException(predicted.Name,
                $"Column '{predicted.Name}' has keys of {predictedKey.Count} symbols but the label column '{label.Name}' of {labelKey.Count}; they must be the same key type.");
        long count = 0, skipped = 0, positions = 0, agreeing = 0, exact = 0;
        using var cursor = data.GetRowCursor([label, predicted]);
        var labelGetter = cursor.GetGetter<VBuffer<uint>>(label);
        var predictedGetter = cursor.GetGetter<VBuffer<uint>>(predicted);
        VBuffer<uint> target = default, output = default;
        while (cursor.MoveNext())
        {
            labelGetter(ref target);
            predictedGetter(ref output);
            var gold = target.DenseValues().ToArray();
            if (gold.Length == 0 || gold.Contains(0u))
            {
                skipped++;
                continue;
            }
            var guess = output.DenseValues().ToArray();
            count++;
            positions += Math.Max(gold.Length, guess.Length);
            for (var i = 0; i < Math.Min(gold.Length, guess.Length); i++)
                agreeing += gold[i] == guess[i] ? 1 : 0;
            exact += gold.AsSpan().SequenceEqual(guess) ? 1 : 0;
        }
        return new RecurrentEncoderDecoderMetrics(count, skipped, positions, agreeing, exact);
    }
}
