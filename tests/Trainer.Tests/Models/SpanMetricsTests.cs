using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Models;

/// <summary>Span (chunk) scores of a BIO tagger as CoNLL's evaluation script counts them.</summary>
public sealed class SpanMetricsTests
{
    private static string[] Tags(string tags) => tags.Split(' ');

    [Theory]
    // IOB2: B- opens, I- of the same type continues.
    [InlineData("B-PER I-PER O B-LOC", "0-1:PER 3-3:LOC")]
    // B- right after a span of the same type opens a new one.
    [InlineData("B-PER B-PER I-PER", "0-0:PER 1-2:PER")]
    // IOB1 and ill-formed sequences: I- after O or after another type opens a span, as conlleval reads them.
    [InlineData("I-PER I-PER O I-LOC", "0-1:PER 3-3:LOC")]
    [InlineData("B-PER I-LOC I-LOC", "0-0:PER 1-2:LOC")]
    // A span runs to the end of the sequence.
    [InlineData("O O B-MISC I-MISC", "2-3:MISC")]
    [InlineData("O O O", "")]
    public void Spans_start_and_end_where_conll_says(string tags, string expected)
    {
        var spans = SpanMetrics.Spans(Tags(tags)).Select(s => $"{s.Start}-{s.End}:{s.Type}");
        Assert.Equal(expected, string.Join(' ', spans));
    }

    [Fact]
    public void A_span_is_correct_only_when_its_start_end_and_type_all_match()
    {
        var scores = SpanMetrics.Score(
        [
            // Gold: PER 0-1, LOC 3. Predicted: PER 0-1 (right), LOC 3-4 (too long: wrong).
            (Tags("B-PER I-PER O B-LOC O"), Tags("B-PER I-PER O B-LOC I-LOC")),
            // Gold: ORG 1-2. Predicted: PER 1-2 (wrong type), and ORG 0 (no such gold span).
            (Tags("O B-ORG I-ORG"), Tags("B-ORG B-PER I-PER")),
        ]);
        Assert.Equal(3, scores.GoldSpans);
        Assert.Equal(4, scores.PredictedSpans);
        Assert.Equal(1, scores.CorrectSpans);
        Assert.Equal(1.0 / 4, scores.Precision, 12);
        Assert.Equal(1.0 / 3, scores.Recall, 12);
        Assert.Equal(2 * 0.25 / 3 / (0.25 + 1.0 / 3), scores.F1, 12);
        Assert.Equal(new[] { "LOC", "ORG", "PER" }, scores.PerType.Select(t => t.Type));
        var person = scores.PerType.Single(t => t.Type == "PER");
        Assert.Equal((1L, 2L, 1L), (person.GoldSpans, person.PredictedSpans, person.CorrectSpans));
        Assert.Equal(0.5, person.Precision, 12);
        Assert.Equal(1.0, person.Recall, 12);
        var organisation = scores.PerType.Single(t => t.Type == "ORG");
        Assert.Equal((0.0, 0.0, 0.0), (organisation.Precision, organisation.Recall, organisation.F1));
    }

    [Fact]
    public void Only_bio_label_sets_are_scored_as_spans()
    {
        Assert.True(SpanMetrics.AreBioTags(["B-LOC", "I-LOC", "O"]));
        Assert.True(SpanMetrics.AreBioTags(["I-LOC", "O"]));
        Assert.False(SpanMetrics.AreBioTags(["NOUN", "VERB", "O"]));
        Assert.False(SpanMetrics.AreBioTags(["O", "B-"]));
        Assert.False(SpanMetrics.AreBioTags(["O"]));
    }

    [Fact]
    public void A_bio_taggers_evaluation_scores_the_spans_of_its_own_predictions()
    {
        var labels = LabelSet.Classes(["B-LOC", "B-PER", "I-LOC", "I-PER", "O"]);
        var random = new Random(4);
        var vocabulary = new Vocabulary(Enumerable.Range(0, 10).Select(i => $"w{i}"));
        var examples = Enumerable.Range(0, 60).Select(i =>
        {
            var length = 3 + i % 6;
            var ids = Enumerable.Range(0, length).Select(_ => 2 + random.Next(10)).ToArray();
            // Tags follow the tokens loosely, and one step in seven carries no label.
            var tags = ids.Select(id => random.Next(7) == 0 ? SequenceExample.Unlabelled : (id + random.Next(2)) % 5).ToArray();
            return SequenceExample.FromTokens(ids, tags);
        }).ToArray();
        var data = new SequenceDataset("bio", InputKind.Tokens, 0, vocabulary, labels, examples);
        var model = new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Gru,
            HiddenSize = 8,
            EmbeddingSize = 4,
            Epochs = 3,
            BatchSize = 16,
            Seed = 2,
            Threads = 1,
        }).Fit(data);

        var evaluation = model.Evaluate(data);
        var predictions = model.PredictSteps(data.Examples);
        var expected = SpanMetrics.Score(examples.Select((e, i) =>
        {
            var gold = e.StepClassIndices!.Select(c => c < 0 ? "O" : labels.ClassNames[c]).ToArray();
            var predicted = predictions[i].Select((p, t) => e.StepClassIndices![t] < 0 ? "O" : p.Label!).ToArray();
            return ((IReadOnlyList<string>)gold, (IReadOnlyList<string>)predicted);
        }));
        Assert.NotNull(evaluation.Spans);
        Assert.True(expected.GoldSpans > 50);
        Assert.Equal(expected.GoldSpans, evaluation.Spans.GoldSpans);
        Assert.Equal(expected.PredictedSpans, evaluation.Spans.PredictedSpans);
        Assert.Equal(expected.CorrectSpans, evaluation.Spans.CorrectSpans);
        Assert.Equal(expected.F1, evaluation.Spans.F1, 12);

        // Labels that are not BIO tags have no span scores.
        var plain = new SequenceDataset("plain", InputKind.Tokens, 0, vocabulary, LabelSet.Classes(["a", "b", "c", "d", "e"]), examples);
        var untagged = new SequenceModelTrainer(new SequenceModelOptions { HiddenSize = 4, Epochs = 1, Seed = 2, Threads = 1 }).Fit(plain);
        Assert.Null(untagged.Evaluate(plain).Spans);
    }
}
