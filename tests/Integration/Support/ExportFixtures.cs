using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;

namespace Recurrent.Integration.Tests.Support;

/// <summary>
/// Small datasets of mixed lengths for the export tests (tokens or 3-feature steps; binary, three-class or
/// regression labels), and the same batch as ONNX inputs: batch-first and zero-padded, with sequence_lens.
/// </summary>
internal static class ExportFixtures
{
    private const int Features = 3;

    public static SequenceDataset Data(string name, bool tokens, string head, int[] lengths)
    {
        var random = new DeterministicRandom(7);
        var classes = head == "binary" ? new[] { "no", "yes" } : ["a", "b", "c"];
        var labels = head == "regression" ? LabelSet.Regression() : LabelSet.Classes(classes);
        var vocabulary = new Vocabulary(Enumerable.Range(0, 8).Select(i => $"w{i}"));
        var examples = lengths.Select(length =>
        {
            var label = random.NextInt(classes.Length);
            var target = (float)random.NextDouble();
            if (tokens)
            {
                var ids = Enumerable.Range(0, length).Select(_ => 1 + random.NextInt(vocabulary.Count - 1)).ToArray();
                return head == "regression" ? SequenceExample.FromTokens(ids, target) : SequenceExample.FromTokens(ids, label);
            }
            var steps = Enumerable.Range(0, length * Features).Select(_ => (float)random.NextUniform(-1, 1)).ToArray();
            return head == "regression" ? SequenceExample.FromSteps(steps, Features, target) : SequenceExample.FromSteps(steps, Features, label);
        }).ToArray();
        return new SequenceDataset(name, tokens ? InputKind.Tokens : InputKind.Numeric, tokens ? 0 : Features,
            tokens ? vocabulary : null, labels, examples);
    }

    public static Dictionary<string, TensorData> Inputs(SequenceDataset data)
    {
        var batch = data.Count;
        var steps = data.Examples.Max(e => e.Length);
        var lengths = data.Examples.Select(e => e.Length).ToArray();
        TensorData input;
        if (data.InputKind == InputKind.Tokens)
        {
            var ids = new long[batch * steps];
            for (var b = 0; b < batch; b++)
            {
                for (var t = 0; t < lengths[b]; t++)
                    ids[b * steps + t] = data.Examples[b].TokenIds![t];
            }
            input = TensorData.FromInt64s([batch, steps], ids);
        }
        else
        {
            var width = data.FeatureCount;
            var values = new float[batch * steps * width];
            for (var b = 0; b < batch; b++)
                data.Examples[b].Features!.CopyTo(values, b * steps * width);
            input = TensorData.FromFloats([batch, steps, width], values);
        }
        return new() { ["input"] = input, ["sequence_lens"] = TensorData.FromInt32s([batch], lengths) };
    }
}
