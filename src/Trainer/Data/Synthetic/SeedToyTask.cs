namespace Recurrent.Trainer.Data.Synthetic;

/// <summary>
/// The three sentences of seed 001's BPTT worked example, as numeric one-hot steps exactly as the seed writes
/// them: vocabulary cat, mat, rat → [1 0 0], [0 1 0], [0 0 1]; "cat mat rat" → 1, "rat rat mat" → 1,
/// "mat mat cat" → 0; class names "0" and "1".
/// </summary>
internal static class SeedToyTask
{
    private static readonly string[] Words = ["cat", "mat", "rat"];

    private static readonly (string Text, int Label)[] Sentences =
        [("cat mat rat", 1), ("rat rat mat", 1), ("mat mat cat", 0)];

    /// <summary>The three examples in the seed's order.</summary>
    public static SequenceDataset Generate(string name)
    {
        var examples = Sentences.Select(sentence =>
        {
            var words = sentence.Text.Split(' ');
            var steps = new float[words.Length * Words.Length];
            for (var t = 0; t < words.Length; t++)
                steps[t * Words.Length + Array.IndexOf(Words, words[t])] = 1f;
            return SequenceExample.FromSteps(steps, Words.Length, sentence.Label);
        }).ToArray();
        return new SequenceDataset(name, InputKind.Numeric, Words.Length, null, LabelSet.Classes(["0", "1"]),
            examples);
    }
}
