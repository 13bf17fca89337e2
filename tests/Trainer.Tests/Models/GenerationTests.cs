using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Models;

/// <summary>
/// One-to-many: a language model sampled one step at a time. Stepping with a carried state gives the logits the
/// whole-sequence forward pass gives; the same seed gives the same text; a model that learnt a pattern continues it.
/// </summary>
public sealed class GenerationTests
{
    /// <summary>Next-character prediction over <paramref name="text"/> in windows of <paramref name="window"/> characters.</summary>
    internal static SequenceDataset CharacterData(string text, int window)
    {
        var characters = text.Select(c => c.ToString()).Distinct().Order(StringComparer.Ordinal).ToArray();
        var vocabulary = new Vocabulary(characters);
        var labels = LabelSet.Classes(characters);
        var examples = new List<SequenceExample>();
        for (var start = 0; start + 1 < text.Length; start += window)
        {
            var length = Math.Min(window, text.Length - 1 - start);
            var ids = Enumerable.Range(start, length).Select(i => vocabulary.IdOf(text[i].ToString())).ToArray();
            var next = Enumerable.Range(start + 1, length).Select(i => labels.IndexOf(text[i].ToString())).ToArray();
            examples.Add(SequenceExample.FromTokens(ids, next));
        }
        return new SequenceDataset("characters", InputKind.Tokens, 0, vocabulary, labels, examples) { TokenUnit = TokenUnit.Character };
    }

    [Theory]
    [InlineData(RecurrentCellKind.Rnn, 1, null, true)]
    [InlineData(RecurrentCellKind.Lstm, 2, null, true)]
    [InlineData(RecurrentCellKind.Gru, 2, null, true)]
    [InlineData(RecurrentCellKind.Gru, 1, null, false)]
    [InlineData(RecurrentCellKind.Lstm, 2, new[] { 1, 3 }, true)]
    public void Stepping_with_a_carried_state_gives_the_whole_sequences_logits(RecurrentCellKind cell, int layers, int[]? dilations,
        bool linearBeforeReset)
    {
        var data = CharacterData("the cat sat on the mat and the rat ran", 40);
        var options = new SequenceModelOptions
        {
            Cell = cell,
            HiddenSize = 13,
            Layers = layers,
            Dilations = dilations,
            GruLinearBeforeReset = linearBeforeReset,
            EmbeddingSize = 5,
            Seed = 4,
        };
        var network = EngineFixtures.Network(options, data);
        var model = new SequenceModel(network, options, data.Vocabulary, data.Labels) { TokenUnit = TokenUnit.Character };
        var sequence = data.Examples[0];
        network.Infer(EngineFixtures.Batch(data.Subset([0])), 1);
        var whole = network.Logits[..(sequence.Length * data.Labels.ClassCount)].ToArray();

        var generator = model.CreateGenerator();
        for (var t = 0; t < sequence.Length; t++)
        {
            generator.Feed(sequence.TokenIds![t]);
            var step = generator.Logits.ToArray();
            for (var c = 0; c < step.Length; c++)
            {
                var expected = whole[t * step.Length + c];
                Assert.True(Math.Abs(step[c] - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)),
                    $"step {t} class {c}: stepped {step[c]}, whole sequence {expected}");
            }
        }
        Assert.Equal(sequence.Length, generator.Steps);
    }

    [Fact]
    public void A_model_that_learnt_a_cycle_continues_it_and_a_seed_fixes_the_sample()
    {
        var data = CharacterData(string.Concat(Enumerable.Repeat("abcd", 60)), 12);
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Gru, HiddenSize = 16, EmbeddingSize = 8, Epochs = 40, BatchSize = 4, LearningRate = 0.02f, Seed = 2 };
        var model = new SequenceModelTrainer(options).Fit(data);
        Assert.True(model.Evaluate(data).Accuracy > 0.95);

        Assert.Equal("dabcdabc", model.Generate("abc", 8, temperature: 0));
        var first = model.Generate("ab", 40, temperature: 1.5, seed: 7);
        Assert.Equal(first, model.Generate("ab", 40, temperature: 1.5, seed: 7));
        Assert.Equal(40, first.Length);

        // The state is carried: two calls of 20 continue where the first stopped, as one call of 40 does.
        var generator = model.CreateGenerator(seed: 7);
        generator.FeedText("ab");
        Assert.Equal(first, generator.SampleText(20, 1.5) + generator.SampleText(20, 1.5));
        Assert.Equal(42, generator.Steps);
        generator.Reset();
        Assert.Equal(0, generator.Steps);
        Assert.Throws<InvalidOperationException>(() => generator.Sample());
    }

    [Fact]
    public void Probabilities_follow_the_temperature()
    {
        var data = CharacterData("abcabcabd", 8);
        var model = new SequenceModel(EngineFixtures.Network(new SequenceModelOptions { HiddenSize = 4, Seed = 1 }, data),
            new SequenceModelOptions(), data.Vocabulary, data.Labels);
        var generator = model.CreateGenerator();
        generator.Feed(data.Vocabulary!.IdOf("a"));
        var logits = generator.Logits.ToArray();

        var warm = generator.Probabilities(2.0);
        var sum = logits.Sum(z => Math.Exp(z / 2.0));
        for (var c = 0; c < logits.Length; c++)
            Assert.Equal(Math.Exp(logits[c] / 2.0) / sum, warm[c], 10);
        var greedy = generator.Probabilities(0);
        Assert.Equal(1.0, greedy[Array.IndexOf(logits, logits.Max())]);
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Probabilities(-1));
    }

    [Fact]
    public void Only_a_one_directional_language_model_samples()
    {
        var data = CharacterData("abcabcabd", 8);
        var bidirectional = new SequenceModelTrainer(new SequenceModelOptions { HiddenSize = 4, Bidirectional = true }).Initialize(data);
        Assert.Contains("bidirectional", Assert.Throws<InvalidOperationException>(() => bidirectional.CreateGenerator()).Message);
        var classifier = new SequenceModelTrainer(new SequenceModelOptions { HiddenSize = 4 })
            .Initialize(EngineFixtures.TokenData(4, 6, [3], Recurrent.Trainer.Layers.HeadKind.MultiClass, 3, seed: 1));
        Assert.Throws<InvalidOperationException>(() => classifier.CreateGenerator());
    }
}
