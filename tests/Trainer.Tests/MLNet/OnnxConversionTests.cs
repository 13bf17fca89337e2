using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Recurrent.Trainer.MLNet;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>
/// ONNX out of any fitted or loaded ML.NET model, run in ONNX Runtime: the standard graph gives the engine's own
/// probabilities, and the graph with the featurisation takes raw text and gives what a PredictionEngine gives.
/// </summary>
public sealed class OnnxConversionTests
{
    private sealed class Review
    {
        public string Label { get; set; } = "";
        public string Text { get; set; } = "";
    }

    private sealed class ReviewPrediction
    {
        public float[] Score { get; set; } = [];
        public string PredictedLabel { get; set; } = "";
    }

    // Rows a user would send: mixed case, punctuation kept on words, double spaces, unknown words, an empty text.
    private static readonly string[] Probes =
    [
        "a warm and funny film", "Dull, far too LONG and wooden", "the  best   film of the year",
        "zzz unknown qqq", "Wonderful!", "", "   ", "GOOD film, bad ending", "ÉCOLE Café ÜBER",
    ];

    private static (MLContext Ml, IDataView Data, ITransformer Model, RecurrentTrainer Trainer) Fit(
        IEstimator<ITransformer>? normalize = null)
    {
        var ml = new MLContext(seed: 1);
        var data = MLNetTestData.LoadReviews(ml);
        var trainer = ml.MulticlassClassification.Trainers.Recurrent(new RecurrentTrainerOptions
        {
            FeatureColumnName = "Tokens",
            Cell = RecurrentCellKind.Gru,
            Bidirectional = true,
            HiddenSize = 8,
            EmbeddingSize = 6,
            Epochs = 3,
            BatchSize = 8,
            LearningRate = 0.01f,
        });
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(normalize ?? ml.Transforms.Text.NormalizeText("Text", keepDiacritics: true))
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        return (ml, data, pipeline.Fit(data), trainer);
    }

    private static byte[] Convert(MLContext ml, ITransformer model, DataViewSchema schema, bool featurize)
    {
        using var stream = new MemoryStream();
        ml.Model.ConvertRecurrentToOnnx(model, schema, stream, includeFeaturization: featurize);
        return stream.ToArray();
    }

    private static (float[][] Scores, string[] Labels) RunText(byte[] onnx, string[] texts)
    {
        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateFromStringTensor(new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<string>(texts, [texts.Length]));
        using var outputs = session.Run(new RunOptions(), ["Text"], [input], ["Score", "PredictedLabel"]);
        var flat = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var classes = flat.Length / texts.Length;
        var scores = Enumerable.Range(0, texts.Length).Select(i => flat.AsSpan(i * classes, classes).ToArray()).ToArray();
        return (scores, outputs[1].GetStringTensorAsArray());
    }

    private static void AssertSameAsPredictionEngine(MLContext ml, ITransformer model, byte[] onnx)
    {
        var engine = ml.Model.CreatePredictionEngine<Review, ReviewPrediction>(model);
        var (scores, labels) = RunText(onnx, Probes);
        for (var i = 0; i < Probes.Length; i++)
        {
            var expected = engine.Predict(new Review { Text = Probes[i] });
            Assert.Equal(expected.PredictedLabel, labels[i]);
            Assert.Equal(expected.Score.Length, scores[i].Length);
            for (var k = 0; k < scores[i].Length; k++)
            {
                if (float.IsNaN(expected.Score[k]))
                    Assert.True(float.IsNaN(scores[i][k]), $"'{Probes[i]}': ML.NET NaN, ONNX {scores[i][k]}");
                else
                    Assert.Equal(expected.Score[k], scores[i][k], 1e-5f);
            }
        }
        Assert.Equal("", labels[Array.IndexOf(Probes, "")]); // no word: missing, as in training
    }

    [Fact]
    public void The_featurised_graph_of_the_fitted_model_gives_what_the_prediction_engine_gives()
    {
        var (ml, data, model, _) = Fit();
        AssertSameAsPredictionEngine(ml, model, Convert(ml, model, data.Schema, featurize: true));
    }

    [Fact]
    public void The_featurised_graph_of_a_loaded_model_gives_what_the_prediction_engine_gives()
    {
        var (ml, data, model, _) = Fit();
        using var zip = new MemoryStream();
        ml.Model.Save(model, data.Schema, zip);
        zip.Position = 0;
        var fresh = new MLContext();
        var loaded = fresh.Model.Load(zip, out var schema);
        var onnx = Convert(fresh, loaded, schema, featurize: true);
        AssertSameAsPredictionEngine(fresh, loaded, onnx);

        var metadata = ModelProto.Parser.ParseFrom(onnx).MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Contains("StringSplit on ' '", metadata["recurrent.tokenizer"]);
        Assert.Contains("StringNormalizer lowercases", metadata["recurrent.tokenizer"]);
        Assert.Contains("TokenizeIntoWords(Tokens <- Text, separator ' ')", metadata["recurrent.tokenizer"]);
    }

    [Fact]
    public void The_standard_graph_of_a_loaded_model_gives_the_engine_models_probabilities()
    {
        var (ml, data, model, trainer) = Fit();
        using var zip = new MemoryStream();
        ml.Model.Save(model, data.Schema, zip);
        zip.Position = 0;
        var loaded = ml.Model.Load(zip, out var schema);
        var onnx = Convert(ml, loaded, schema, featurize: false);

        var rows = MLNetTestData.EngineView(model, 4, data, RecurrentTask.MulticlassClassification,
            new RecurrentTrainerOptions { FeatureColumnName = "Tokens" });
        var expected = trainer.LastModel!.PredictBatch(rows.Examples);
        using var session = new InferenceSession(onnx);
        for (var i = 0; i < 5; i++)
        {
            var ids = rows.Examples[i].TokenIds!.Select(id => (long)id).ToArray();
            using var input = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
            using var lengths = OrtValue.CreateTensorValueFromMemory(new[] { ids.Length }, [1]);
            using var outputs = session.Run(new RunOptions(), ["input", "sequence_lens"], [input, lengths], ["probabilities"]);
            var probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            for (var k = 0; k < probabilities.Length; k++)
                Assert.Equal(expected[i].Probabilities[k], probabilities[k], 1e-6f);
        }
        var metadata = ModelProto.Parser.ParseFrom(onnx).MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Contains("not in this graph", metadata["recurrent.tokenizer"]);
        Assert.Contains("TokenizeIntoWords", metadata["recurrent.tokenizer"]);
    }

    [Fact]
    public void A_step_that_standard_operators_cannot_express_is_named()
    {
        var (ml, data, model, _) = Fit(normalize: new MLContext().Transforms.Text.NormalizeText("Text")); // removes diacritics
        var error = Assert.Throws<InvalidOperationException>(() => Convert(ml, model, data.Schema, featurize: true));
        Assert.Contains("step 2 of the pipeline (TextNormalizingTransformer, which makes column 'Text')", error.Message);
        Assert.Contains("diacritics", error.Message);
        // Without the featurisation the same model exports.
        Assert.NotEmpty(Convert(ml, model, data.Schema, featurize: false));
    }

    [Fact]
    public void A_tokenizer_with_two_separators_is_named()
    {
        var ml = new MLContext(seed: 1);
        var data = MLNetTestData.LoadReviews(ml);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text", separators: [' ', ',']))
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Append(ml.MulticlassClassification.Trainers.Recurrent(new RecurrentTrainerOptions { FeatureColumnName = "Tokens", HiddenSize = 4, Epochs = 1 }))
            .Fit(data);
        var error = Assert.Throws<InvalidOperationException>(() => Convert(ml, model, data.Schema, featurize: true));
        Assert.Contains("WordTokenizingTransformer", error.Message);
        Assert.Contains("' ', ','", error.Message);
    }

    [Fact]
    public void A_model_without_a_Recurrent_trainer_is_refused()
    {
        var ml = new MLContext(seed: 1);
        var data = MLNetTestData.LoadReviews(ml);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
        var error = Assert.Throws<ArgumentException>(() => Convert(ml, model, data.Schema, featurize: false));
        Assert.Contains("no Recurrent trainer", error.Message);
    }

    [Fact]
    public void Numeric_regression_featurised_takes_the_raw_vector_and_gives_NaN_for_a_missing_value()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(MLNetTestData.Adding(200, length: 8, seed: 1));
        var model = ml.Regression.Trainers.Recurrent(new RecurrentTrainerOptions { FeaturesPerStep = 2, HiddenSize = 8, Epochs = 2 }).Fit(train);
        var onnx = Convert(ml, model, train.Schema, featurize: true);
        var engine = ml.Model.CreatePredictionEngine<Steps, ValuePrediction>(model);
        var rows = MLNetTestData.Adding(4, length: 8, seed: 5);
        rows[2].Features[7] = float.NaN;
        var values = rows.SelectMany(r => r.Features).ToArray();
        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(values, [rows.Length, 16]);
        using var outputs = session.Run(new RunOptions(), ["Features"], [input], ["Score"]);
        var scores = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            var expected = engine.Predict(rows[i]).Score;
            if (i == 2)
                Assert.True(float.IsNaN(expected) && float.IsNaN(scores[i]));
            else
                Assert.Equal(expected, scores[i], 1e-5f);
        }
    }
}
