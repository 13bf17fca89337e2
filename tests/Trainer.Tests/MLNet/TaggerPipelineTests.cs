using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>
/// The recurrent tagger in a real ML.NET pipeline: words and tags through MapValueToKey, RecurrentTagger, the tags
/// back through MapKeyToValue; EvaluateTagger's token and span scores; Save, Load and PredictionEngine.
/// </summary>
public sealed class TaggerPipelineTests(ITestOutputHelper output)
{
    public sealed class Sentence
    {
        public string[] Words { get; set; } = [];
        public string[] Tags { get; set; } = [];
    }

    public sealed class Tagged
    {
        public string[] PredictedTags { get; set; } = [];
        public float[] Score { get; set; } = [];
    }

    // Clauses "verb name [name]": a name is a person after met/called/thanked and a place after visited/left/reached,
    // and every name occurs as both, so a name's tag depends on the words before it, not on the name.
    private static Sentence[] Sentences(int count, int seed)
    {
        var random = new Random(seed);
        string[] names = ["jordan", "georgia", "paris", "chelsea", "austin", "victoria"];
        string[] people = ["met", "called", "thanked"], places = ["visited", "left", "reached"], filler = ["then", "we", "and", "later"];
        var sentences = new Sentence[count];
        for (var s = 0; s < count; s++)
        {
            var words = new List<string>();
            var tags = new List<string>();
            for (var clause = random.Next(1, 4); clause > 0; clause--)
            {
                if (random.Next(2) == 0)
                {
                    words.Add(filler[random.Next(filler.Length)]);
                    tags.Add("O");
                }
                var person = random.Next(2) == 0;
                words.Add((person ? people : places)[random.Next(3)]);
                tags.Add("O");
                var length = random.Next(1, 3);
                for (var n = 0; n < length; n++)
                {
                    words.Add(names[random.Next(names.Length)]);
                    tags.Add((n == 0 ? "B-" : "I-") + (person ? "PER" : "LOC"));
                }
            }
            sentences[s] = new Sentence { Words = [.. words], Tags = [.. tags] };
        }
        return sentences;
    }

    private static RecurrentTrainerOptions Options() => new()
    {
        LabelColumnName = "Label",
        FeatureColumnName = "Tokens",
        Cell = RecurrentCellKind.Gru,
        HiddenSize = 16,
        EmbeddingSize = 8,
        Epochs = 10,
        BatchSize = 16,
        LearningRate = 0.02f,
    };

    private static IEstimator<ITransformer> Pipeline(MLContext ml, RecurrentTaggerTrainer tagger) =>
        ml.Transforms.Conversion.MapValueToKey("Tokens", "Words")
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Tags"))
            .Append(tagger)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedTags", "PredictedLabel"));

    [Fact]
    public void A_tagger_learns_tags_that_depend_on_word_order_and_evaluates_tokens_and_spans()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Sentences(400, seed: 1));
        var testRows = Sentences(80, seed: 2);
        var test = ml.Data.LoadFromEnumerable(testRows);
        var tagger = ml.MulticlassClassification.Trainers.RecurrentTagger(Options());
        var model = Pipeline(ml, tagger).Fit(train);
        var scored = model.Transform(test);

        var metrics = ml.MulticlassClassification.EvaluateTagger(scored);
        Assert.True(metrics.PerStep);
        Assert.Equal(80, metrics.Count);
        Assert.Equal(testRows.Sum(r => r.Tags.Length), metrics.Scored);
        Assert.True(metrics.Accuracy > 0.97, $"token accuracy {metrics.Accuracy}");
        Assert.NotNull(metrics.Spans);
        Assert.True(metrics.Spans.F1 > 0.95, $"span F1 {metrics.Spans.F1}");
        Assert.Equal(["LOC", "PER"], metrics.Spans.PerType.Select(t => t.Type));
        Assert.Equal(5, metrics.PerClass!.Count);

        // Order matters: tagging each word with its most frequent training tag (what a model that ignores context
        // can do at best) gets the names' types right only by chance.
        var majority = Sentences(400, seed: 1).SelectMany(r => r.Words.Zip(r.Tags)).GroupBy(p => p.First)
            .ToDictionary(g => g.Key, g => g.GroupBy(p => p.Second).OrderByDescending(t => t.Count()).First().Key);
        var pairs = testRows.SelectMany(r => r.Words.Zip(r.Tags)).ToArray();
        var unigram = pairs.Count(p => majority[p.First] == p.Second) / (double)pairs.Length;
        output.WriteLine($"token accuracy {metrics.Accuracy:F4}, span F1 {metrics.Spans.F1:F4}, word-by-word baseline {unigram:F4}");
        Assert.True(metrics.Accuracy > unigram + 0.15, $"tagger {metrics.Accuracy:F3} against the word-by-word baseline {unigram:F3}");

        // The ML.NET model's tags and scores are the engine's, step by step; the loss is the engine's mean cross-entropy.
        var engine = tagger.LastModel!;
        var tokenKeys = scored.GetColumn<VBuffer<uint>>("Tokens").Select(v => v.DenseValues().Select(k => (int)k + 1).ToArray()).ToArray();
        var predicted = scored.GetColumn<string[]>("PredictedTags").ToArray();
        var scores = scored.GetColumn<float[]>("Score").ToArray();
        var classes = engine.Labels.ClassCount;
        double crossEntropy = 0;
        for (var i = 0; i < testRows.Length; i++)
        {
            var steps = engine.PredictSteps(Recurrent.Trainer.Data.SequenceExample.FromTokens(tokenKeys[i], Enumerable.Repeat(0, tokenKeys[i].Length).ToArray()));
            Assert.Equal(steps.Select(s => s.Label), predicted[i]);
            Assert.Equal(steps.Length * classes, scores[i].Length);
            for (var t = 0; t < steps.Length; t++)
            {
                for (var c = 0; c < classes; c++)
                    Assert.Equal(steps[t].Probabilities[c], scores[i][t * classes + c], 1e-5);
                crossEntropy -= Math.Log(steps[t].Probabilities[engine.Labels.IndexOf(testRows[i].Tags[t])]);
            }
        }
        Assert.Equal(crossEntropy / metrics.Scored, metrics.Loss, 4);
    }

    [Fact]
    public void A_saved_tagger_loads_and_predicts_through_a_prediction_engine()
    {
        var ml = new MLContext(seed: 2);
        var rows = Sentences(200, seed: 3);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = Options();
        options.Epochs = 3;
        var model = Pipeline(ml, ml.MulticlassClassification.Trainers.RecurrentTagger(options)).Fit(data);
        var expected = model.Transform(data).GetColumn<string[]>("PredictedTags").Take(20).ToArray();
        var expectedScores = model.Transform(data).GetColumn<float[]>("Score").Take(20).ToArray();

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _);
        var engine = ml.Model.CreatePredictionEngine<Sentence, Tagged>(loaded);
        for (var i = 0; i < expected.Length; i++)
        {
            // At prediction time the tags are unknown: an empty vector.
            var tagged = engine.Predict(new Sentence { Words = rows[i].Words });
            Assert.Equal(expected[i], tagged.PredictedTags);
            Assert.Equal(expectedScores[i], tagged.Score);
        }
        // A word the vocabulary never saw is <unk>, and the sentence is still tagged.
        Assert.Equal(3, engine.Predict(new Sentence { Words = ["met", "zanzibar", "later"] }).PredictedTags.Length);
        Assert.Empty(engine.Predict(new Sentence { Words = [] }).PredictedTags);
    }

    [Fact]
    public void A_fitted_tagger_converts_to_the_standard_per_step_onnx_graph_with_the_same_scores()
    {
        var ml = new MLContext(seed: 3);
        var rows = Sentences(120, seed: 4);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = Options();
        options.Epochs = 2;
        var model = Pipeline(ml, ml.MulticlassClassification.Trainers.RecurrentTagger(options)).Fit(data);
        var scored = model.Transform(data);
        var keys = scored.GetColumn<VBuffer<uint>>("Tokens").Take(10).Select(v => v.DenseValues().ToArray()).ToArray();
        var scores = scored.GetColumn<float[]>("Score").Take(10).ToArray();

        using var stream = new MemoryStream();
        ml.Model.ConvertRecurrentToOnnx(model, data.Schema, stream);
        using var session = new InferenceSession(stream.ToArray());
        for (var i = 0; i < keys.Length; i++)
        {
            // The standard graph: ids = key + 1 and sequence_lens in, probabilities [1, T, tags] out.
            var ids = keys[i].Select(k => (long)k + 1).ToArray();
            using var input = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
            using var lengths = OrtValue.CreateTensorValueFromMemory(new[] { ids.Length }, [1]);
            using var outputs = session.Run(new RunOptions(), ["input", "sequence_lens"], [input, lengths], ["probabilities"]);
            var probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            Assert.Equal(scores[i].Length, probabilities.Length);
            for (var j = 0; j < probabilities.Length; j++)
                Assert.Equal(scores[i][j], probabilities[j], 1e-5);
        }
        // Featurisation inside the graph is the classifiers' only, and the refusal says what to do instead.
        using var featurized = new MemoryStream();
        var refused = Assert.Throws<InvalidOperationException>(() => ml.Model.ConvertRecurrentToOnnx(model, data.Schema, featurized, includeFeaturization: true));
        Assert.Contains("The featurisation cannot go into the ONNX graph", refused.Message);
    }

    public sealed class TokensOnly
    {
        public string[] Tokens { get; set; } = [];
    }

    public sealed class Keys
    {
        public VBuffer<uint> PredictedLabel { get; set; }
    }

    [Fact]
    public void An_engine_tagger_written_as_an_ml_net_model_file_tags_as_the_engine()
    {
        // What recurrent export --mlnet and the service's model.zip write for a per-step model over tokens.
        var ml = new MLContext(seed: 1);
        var rows = Sentences(200, seed: 5);
        var trainer = ml.MulticlassClassification.Trainers.RecurrentTagger(Options());
        _ = Pipeline(ml, trainer).Fit(ml.Data.LoadFromEnumerable(rows));
        var model = trainer.LastModel!;

        using var zip = new MemoryStream(Recurrent.Trainer.MLNet.MLNetModelExport.ToBytes(model));
        var loaded = new MLContext().Model.Load(zip, out _);
        var predictions = ml.Model.CreatePredictionEngine<TokensOnly, Keys>(loaded);
        foreach (var row in rows.Take(20))
        {
            var ids = row.Words.Select(w => model.Vocabulary!.IdOf(w)).ToArray();
            var expected = model.PredictSteps(Recurrent.Trainer.Data.SequenceExample.FromTokens(ids, new int[ids.Length]));
            var keys = predictions.Predict(new TokensOnly { Tokens = row.Words }).PredictedLabel.DenseValues().ToArray();
            Assert.Equal(expected.Select(p => (uint)p.ClassIndex + 1), keys);
        }
    }

    [Fact]
    public void Tags_that_do_not_match_their_tokens_or_columns_of_the_wrong_type_are_refused_by_name()
    {
        var ml = new MLContext(seed: 1);
        var rows = Sentences(20, seed: 1);
        rows[7] = new Sentence { Words = ["met", "paris"], Tags = ["O"] };
        var data = ml.Data.LoadFromEnumerable(rows);
        var mismatch = Assert.Throws<ArgumentException>(() => Pipeline(ml, ml.MulticlassClassification.Trainers.RecurrentTagger(Options())).Fit(data));
        Assert.Contains("Row 7 of the data has 2 tokens in column 'Tokens' but 1 tags in column 'Label'", mismatch.Message);

        var scalarLabel = ml.Transforms.Conversion.MapValueToKey("Tokens", "Words")
            .Append(ml.Transforms.Text.FeaturizeText("Label", "Words"));
        var wrong = Assert.Throws<ArgumentOutOfRangeException>(() => scalarLabel
            .Append(ml.MulticlassClassification.Trainers.RecurrentTagger(Options())).Fit(ml.Data.LoadFromEnumerable(Sentences(5, 1))));
        Assert.Contains("Schema mismatch for label column 'Label': expected a vector of keys (one tag per token", wrong.Message);
    }
}
