using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

/// <summary>
/// A tagger sees both sides: tagging every token with the token after it is learnt by a bidirectional network and
/// cannot be by a forward one, which has not read the next token yet when it tags.
/// </summary>
public sealed class PerStepLearningTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static SequenceDataset NextTokenTags(int count, ulong seed)
    {
        var words = new[] { "a", "b", "c", "d", "e" };
        var vocabulary = new Vocabulary(words);
        var labels = LabelSet.Classes([.. words, "end"]);
        var random = new DeterministicRandom(seed);
        var examples = new SequenceExample[count];
        for (var n = 0; n < count; n++)
        {
            var tokens = Enumerable.Range(0, 3 + random.NextInt(6)).Select(_ => words[random.NextInt(words.Length)]).ToArray();
            var tags = tokens.Select((_, t) => labels.IndexOf(t + 1 < tokens.Length ? tokens[t + 1] : "end")).ToArray();
            examples[n] = SequenceExample.FromTokens(vocabulary.Encode(tokens), tags);
        }
        return new SequenceDataset("next-token tags", InputKind.Tokens, 0, vocabulary, labels, examples);
    }

    [Fact]
    public void A_bidirectional_tagger_learns_tags_that_need_the_next_token_and_a_forward_one_cannot()
    {
        var train = NextTokenTags(400, 1);
        var test = NextTokenTags(100, 2);
        double Accuracy(bool bidirectional) => new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Gru,
            HiddenSize = 16,
            EmbeddingSize = 8,
            Bidirectional = bidirectional,
            Epochs = 12,
            BatchSize = 16,
            LearningRate = 0.02f,
            Seed = 3,
        }).Fit(train).Evaluate(test).Accuracy!.Value;

        var both = Accuracy(bidirectional: true);
        var forward = Accuracy(bidirectional: false);
        log.WriteLine($"next-token tags, token accuracy on 100 held-out sentences: bidirectional {both:P1}, forward {forward:P1}");
        Assert.True(both > 0.95, $"bidirectional token accuracy {both:P1}");
        // The forward tagger can only place "end" (about a sixth of the tags) and guess the rest among five words.
        Assert.True(forward < 0.5, $"forward token accuracy {forward:P1}");
    }
}
