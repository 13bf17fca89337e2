using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;

namespace Recurrent.Host.Experiments;

/// <summary>
/// Seed 002's example as a task: "the writer of the old books ..." → is, "the writers near the table ..." → are.
/// A sequence is "the", a subject noun, exactly <c>distance</c> distractor words (prepositional phrases whose
/// nouns take either number at random, padded with adjectives), and the label is the verb form the subject needs.
/// </summary>
/// <remarks>
/// Distractor nouns are singular or plural independently of the subject, so neither the last noun nor the mere
/// presence of a phrase predicts the label: only remembering the subject across the distance does.
/// </remarks>
internal static class AgreementTask
{
    public const string Singular = "is";
    public const string Plural = "are";

    private static readonly string[] Nouns = ["writer", "book", "teacher", "dog", "friend", "table", "city", "song", "river", "doctor"];
    private static readonly string[] Prepositions = ["of", "near", "with", "behind", "for", "beside"];
    private static readonly string[] Adjectives = ["old", "red", "small", "famous", "quiet", "new"];

    public static Vocabulary Vocabulary { get; } = new(
        new[] { "the" }.Concat(Nouns).Concat(Nouns.Select(PluralOf)).Concat(Prepositions).Concat(Adjectives));

    public static LabelSet Labels { get; } = LabelSet.Classes([Plural, Singular]);

    /// <summary>Train, validation and test sets from three streams of <paramref name="seed"/>.</summary>
    public static DatasetSplits Generate(int distance, int seed, int count, int evaluationCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(distance);
        return new DatasetSplits(
            Dataset(distance, DeterministicRandom.DeriveSeed((ulong)seed, 0), count, "train"),
            Dataset(distance, DeterministicRandom.DeriveSeed((ulong)seed, 1), evaluationCount, "validation"),
            Dataset(distance, DeterministicRandom.DeriveSeed((ulong)seed, 2), evaluationCount, "test"));
    }

    /// <summary>One sentence prefix and its verb, as words (for the report's examples).</summary>
    public static (string[] Words, string Verb) Sentence(int distance, DeterministicRandom random)
    {
        bool plural = random.NextInt(2) == 1;
        var words = new List<string> { "the", Noun(random, plural) };
        var phrase = new Queue<string>();
        while (words.Count < distance + 2)
        {
            if (phrase.Count == 0)
            {
                // "of the [adjective] books": 3 or 4 words, the noun's number drawn afresh.
                phrase.Enqueue(Prepositions[random.NextInt(Prepositions.Length)]);
                phrase.Enqueue("the");
                if (random.NextInt(2) == 1)
                    phrase.Enqueue(Adjectives[random.NextInt(Adjectives.Length)]);
                phrase.Enqueue(Noun(random, random.NextInt(2) == 1));
            }
            words.Add(phrase.Dequeue());
        }
        return (words.ToArray(), plural ? Plural : Singular);
    }

    private static SequenceDataset Dataset(int distance, ulong seed, int count, string split)
    {
        var random = new DeterministicRandom(seed);
        var examples = new SequenceExample[count];
        for (int i = 0; i < count; i++)
        {
            var (words, verb) = Sentence(distance, random);
            examples[i] = SequenceExample.FromTokens(Vocabulary.Encode(words), Labels.IndexOf(verb));
        }
        return new SequenceDataset($"agreement:{distance} ({split})", InputKind.Tokens, 0, Vocabulary, Labels, examples);
    }

    private static string Noun(DeterministicRandom random, bool plural)
    {
        var noun = Nouns[random.NextInt(Nouns.Length)];
        return plural ? PluralOf(noun) : noun;
    }

    private static string PluralOf(string noun) => noun.EndsWith('y') ? noun[..^1] + "ies" : noun + "s";
}
