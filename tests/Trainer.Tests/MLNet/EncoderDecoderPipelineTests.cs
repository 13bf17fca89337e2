using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>
/// The recurrent encoder–decoder in a real ML.NET pipeline: pairs of texts read from a tab-separated file,
/// TokenizeIntoWords and MapValueToKey on both sides, RecurrentEncoderDecoder, the output back through MapKeyToValue;
/// EvaluateEncoderDecoder's token and sequence accuracy; Save, Load and PredictionEngine; the errors and the missing
/// values.
/// </summary>
public sealed class EncoderDecoderPipelineTests(ITestOutputHelper output)
{
    public sealed class Pair
    {
        [LoadColumn(0)]
        public string Source { get; set; } = "";

        [LoadColumn(1)]
        public string Target { get; set; } = "";
    }

    public sealed class Decoded
    {
        public string[] Output { get; set; } = [];
    }

    private static readonly string[] Letters = ["a", "b", "c", "d", "e", "f", "g", "h"];

    // Sources of 1 to `longest` letters of a–h; the target is the source reversed.
    private static Pair[] Reversals(int count, int longest, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var source = Enumerable.Range(0, random.Next(1, longest + 1)).Select(_ => Letters[random.Next(Letters.Length)]).ToArray();
            return new Pair { Source = string.Join(' ', source), Target = string.Join(' ', source.Reverse()) };
        }).ToArray();
    }

    // The pairs as a real text file, read back by ML.NET's text loader.
    private static IDataView TextFile(MLContext ml, IEnumerable<Pair> pairs)
    {
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-seq2seq-{Guid.NewGuid():N}.tsv");
        File.WriteAllLines(path, pairs.Select(p => $"{p.Source}\t{p.Target}"));
        // The loader reads lazily: the file stays until the process ends in the temporary directory.
        return ml.Data.LoadFromTextFile<Pair>(path, separatorChar: '\t');
    }

    private static RecurrentTrainerOptions Options() => new()
    {
        LabelColumnName = "Label",
        FeatureColumnName = "Features",
        Cell = RecurrentCellKind.Lstm,
        HiddenSize = 48,
        EmbeddingSize = 8,
        Epochs = 12,
        BatchSize = 16,
        LearningRate = 0.01f,
        LearningRateDecay = 0.8f,
        ClipNorm = 1,
    };

    private static IEstimator<ITransformer> Featurize(MLContext ml) =>
        ml.Transforms.Text.TokenizeIntoWords("SourceWords", "Source")
            .Append(ml.Transforms.Text.TokenizeIntoWords("TargetWords", "Target"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Features", "SourceWords"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "TargetWords"));

    private static IEstimator<ITransformer> Pipeline(MLContext ml, RecurrentEncoderDecoderTrainer trainer) =>
        Featurize(ml).Append(trainer).Append(ml.Transforms.Conversion.MapKeyToValue("Output", "PredictedLabel"));

    [Fact]
    public void An_encoder_decoder_learns_to_reverse_and_its_output_is_the_engines_greedy_decoding()
    {
        var ml = new MLContext(seed: 1);
        var train = TextFile(ml, Reversals(1000, longest: 5, seed: 1));
        var testRows = Reversals(200, longest: 5, seed: 2);
        var trainer = ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(Options());
        var model = Pipeline(ml, trainer).Fit(train);
        var scored = model.Transform(TextFile(ml, testRows));

        var metrics = ml.MulticlassClassification.EvaluateEncoderDecoder(scored);
        Assert.Equal(200, metrics.Count);
        Assert.Equal(0, metrics.Skipped);
        // Copying the source gets about 30% of the tokens and 28% of the sequences on these lengths (1 to 5).
        var copied = Accuracies(testRows.Select(r => r.Source.Split(' ')).ToArray(), testRows);
        output.WriteLine($"token accuracy {metrics.TokenAccuracy:F4}, sequence accuracy {metrics.SequenceAccuracy:F4}; copying the source {copied.Token:F4} / {copied.Sequence:F4}");
        Assert.True(metrics.TokenAccuracy > 0.9, $"token accuracy {metrics.TokenAccuracy}");
        Assert.True(metrics.SequenceAccuracy > 0.85, $"sequence accuracy {metrics.SequenceAccuracy}");
        Assert.True(metrics.SequenceAccuracy > copied.Sequence + 0.4);

        // The ML.NET model's output is the engine's greedy decoding, symbol for symbol, and the metrics are the engine's.
        var engine = trainer.LastModel!;
        var sources = scored.GetColumn<VBuffer<uint>>("Features").Select(v => v.DenseValues().Select(k => (int)k - 1).ToArray()).ToArray();
        var decoded = engine.Decode(sources).Select(ids => ids.Select(id => engine.TargetSymbols[id]).ToArray()).ToArray();
        var outputs = scored.GetColumn<string[]>("Output").ToArray();
        for (var i = 0; i < outputs.Length; i++)
            Assert.Equal(decoded[i], outputs[i]);
        var expected = Accuracies(decoded, testRows);
        Assert.Equal(expected.Token, metrics.TokenAccuracy, 12);
        Assert.Equal(expected.Sequence, metrics.SequenceAccuracy, 12);
        Assert.Equal(decoded.Zip(testRows).Sum(p => Math.Max(p.First.Length, p.Second.Target.Split(' ').Length)), metrics.Positions);
    }

    // Token and sequence accuracy as the engine defines them, on symbols.
    private static (double Token, double Sequence) Accuracies(string[][] outputs, Pair[] rows)
    {
        var targets = rows.Select(r => r.Target.Split(' ')).ToArray();
        long agree = 0, positions = 0, exact = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            positions += Math.Max(outputs[i].Length, targets[i].Length);
            agree += outputs[i].Zip(targets[i]).Count(p => p.First == p.Second);
            exact += outputs[i].SequenceEqual(targets[i]) ? 1 : 0;
        }
        return ((double)agree / positions, (double)exact / rows.Length);
    }

    [Fact]
    public void A_saved_encoder_decoder_loads_and_predicts_the_same_through_a_prediction_engine()
    {
        var ml = new MLContext(seed: 2);
        var rows = Reversals(300, longest: 6, seed: 3);
        var data = TextFile(ml, rows);
        var options = Options();
        options.Cell = RecurrentCellKind.Gru;
        options.Layers = 2;
        options.HiddenSize = 16;
        options.Epochs = 2;
        var model = Pipeline(ml, ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(options)).Fit(data);
        var expected = model.Transform(data).GetColumn<string[]>("Output").ToArray();
        Assert.Contains(expected, e => e.Length > 0);

        var path = Path.Combine(Path.GetTempPath(), $"recurrent-seq2seq-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var loadedContext = new MLContext();
            var loaded = loadedContext.Model.Load(path, out var schema);
            Assert.Equal(expected, loaded.Transform(TextFile(loadedContext, rows)).GetColumn<string[]>("Output").ToArray());
            var engine = loadedContext.Model.CreatePredictionEngine<Pair, Decoded>(loaded, inputSchema: schema);
            for (var i = 0; i < 40; i++)
            {
                // At prediction time the target is unknown: an empty text.
                Assert.Equal(expected[i], engine.Predict(new Pair { Source = rows[i].Source }).Output);
            }
            // A symbol the source key never saw is a missing value: no output, never a plausible one.
            Assert.Empty(engine.Predict(new Pair { Source = "a zebra b" }).Output);
            Assert.Empty(engine.Predict(new Pair { Source = "" }).Output);

            // ONNX for ONNX Runtime users is the engine's two graphs; the ML.NET model says so rather than "no trainer".
            using var onnx = new MemoryStream();
            var refused = Assert.Throws<NotSupportedException>(() => loadedContext.Model.ConvertRecurrentToOnnx(loaded, schema, onnx));
            Assert.StartsWith("The model holds a Recurrent encoder–decoder: ConvertRecurrentToOnnx writes classifiers, regressions and taggers.", refused.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Rows_with_a_missing_symbol_or_an_empty_side_are_skipped_with_a_warning()
    {
        var ml = new MLContext(seed: 3);
        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning)
                lock (warnings)
                    warnings.Add(e.RawMessage);
        };
        var rows = Reversals(60, longest: 4, seed: 4).ToList();
        // The source key knows a–h only (keyData), so "zebra" is key 0; an empty text tokenizes to no word.
        rows.Add(new Pair { Source = "a zebra", Target = "zebra a" });
        rows.Add(new Pair { Source = "", Target = "a" });
        rows.Add(new Pair { Source = "b a", Target = "" });
        var keys = ml.Data.LoadFromEnumerable(Letters.Select(l => new Word { Value = l }));
        var options = Options();
        options.Epochs = 1;
        options.HiddenSize = 8;
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("SourceWords", "Source")
            .Append(ml.Transforms.Text.TokenizeIntoWords("TargetWords", "Target"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Features", "SourceWords", keyData: keys))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "TargetWords"))
            .Append(ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(options));
        var model = pipeline.Fit(TextFile(ml, rows));
        Assert.Contains("RecurrentEncoderDecoder: skipped 2 rows with no source symbol or a missing one (key 0) in column 'Features' during training.", warnings);
        Assert.Contains("RecurrentEncoderDecoder: skipped 1 rows with no target symbol or a missing one (key 0) in column 'Label' during training.", warnings);

        // Evaluation leaves out the rows whose target is empty, and a missing source decodes to nothing.
        var metrics = ml.MulticlassClassification.EvaluateEncoderDecoder(model.Transform(TextFile(ml, rows)));
        Assert.Equal(1, metrics.Skipped);
        Assert.Equal(rows.Count - 1, metrics.Count);
        var outputs = model.Transform(TextFile(ml, rows)).GetColumn<VBuffer<uint>>("PredictedLabel").ToArray();
        Assert.Equal(0, outputs[^3].Length);
        Assert.Equal(0, outputs[^2].Length);

        // Nothing left to train on is an error naming what was missing.
        var none = Assert.Throws<ArgumentException>(() => pipeline.Fit(TextFile(ml, rows.Skip(60))));
        Assert.Contains("No row of the training data has a whole source and target (2 without a source, 1 without a target)", none.Message);
    }

    public sealed class Word
    {
        public string Value { get; set; } = "";
    }

    public sealed class Typed
    {
        public string[] Words { get; set; } = [];
        public string Label { get; set; } = "";
        public float[] Numbers { get; set; } = [];
    }

    [Fact]
    public void Columns_of_the_wrong_type_and_options_without_meaning_are_refused_in_MLNETs_words()
    {
        var ml = new MLContext(seed: 4);
        var data = ml.Data.LoadFromEnumerable([new Typed { Words = ["a", "b"], Label = "x", Numbers = [1f, 2f] }]);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Keys", "Words").Append(ml.Transforms.Conversion.MapValueToKey("ScalarKey", "Label"));

        // The label is a single key, not a vector of keys: in the pipeline (before any training) and at Fit alike.
        var scalarLabel = ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(labelColumnName: "ScalarKey", featureColumnName: "Keys");
        var pipelineError = Assert.Throws<ArgumentOutOfRangeException>(() => keyed.Append(scalarLabel).Fit(data));
        Assert.StartsWith("Schema mismatch for label column 'ScalarKey': expected a vector of keys (target symbols after MapValueToKey), got Key<UInt32", pipelineError.Message);
        var fitError = Assert.Throws<ArgumentOutOfRangeException>(() => scalarLabel.Fit(keyed.Fit(data).Transform(data)));
        Assert.StartsWith("Schema mismatch for label column 'ScalarKey': expected a vector of keys (target symbols after MapValueToKey), got Key<UInt32", fitError.Message);

        // The source is text or numbers, not keys.
        var text = ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(labelColumnName: "Keys", featureColumnName: "Words");
        Assert.StartsWith("Schema mismatch for feature column 'Words': expected a vector of keys (source symbols after MapValueToKey), got Vector<String",
            Assert.Throws<ArgumentOutOfRangeException>(() => keyed.Append(text).Fit(data)).Message);
        var numbers = ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(labelColumnName: "Keys", featureColumnName: "Numbers");
        Assert.StartsWith("Schema mismatch for feature column 'Numbers': expected a vector of keys (source symbols after MapValueToKey), got Vector<Single",
            Assert.Throws<ArgumentOutOfRangeException>(() => numbers.Fit(keyed.Fit(data).Transform(data))).Message);
        var absent = ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(labelColumnName: "Keys", featureColumnName: "Source");
        Assert.StartsWith("Could not find feature column 'Source' (the data has: Words, Label, Numbers, Keys, ScalarKey)",
            Assert.Throws<ArgumentOutOfRangeException>(() => absent.Fit(keyed.Fit(data).Transform(data))).Message);

        // What an encoder–decoder does not have is refused when the trainer is made, by the option's name.
        var bidirectional = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(
            new RecurrentTrainerOptions { Bidirectional = true }));
        Assert.StartsWith("RecurrentTrainerOptions.Bidirectional does not apply to an encoder–decoder.", bidirectional.Message);

        // EvaluateEncoderDecoder wants vectors of one key type.
        var scored = keyed.Fit(data).Transform(data);
        Assert.StartsWith("Schema mismatch for predicted label column 'ScalarKey'",
            Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.EvaluateEncoderDecoder(scored, "Keys", "ScalarKey")).Message);
    }

    [Fact]
    public void The_contexts_seed_decides_the_model_unless_the_options_name_one()
    {
        string[][] Train(int contextSeed, int? seed)
        {
            var ml = new MLContext(seed: contextSeed);
            var rows = Reversals(80, longest: 4, seed: 5);
            var options = Options();
            options.Epochs = 1;
            options.HiddenSize = 8;
            options.Seed = seed;
            var model = Pipeline(ml, ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(options)).Fit(TextFile(ml, rows));
            return model.Transform(TextFile(ml, rows)).GetColumn<string[]>("Output").ToArray();
        }
        var first = Train(contextSeed: 10, seed: null);
        Assert.Equal(first, Train(contextSeed: 10, seed: null));
        Assert.NotEqual(first, Train(contextSeed: 11, seed: null));
        Assert.Equal(Train(contextSeed: 10, seed: 5), Train(contextSeed: 11, seed: 5));
    }
}
