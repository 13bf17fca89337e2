using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.MLNet;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>Binary (Boolean label) and regression (float steps) pipelines end to end.</summary>
public sealed class BinaryAndRegressionTests
{
    [Fact]
    public void Binary_reviews_evaluate_as_the_engine_and_predict_after_loading()
    {
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.CreateEnumerable<Review>(MLNetTestData.LoadReviews(ml), reuseRowObject: false)
            .Select(r => new BinaryReview { Label = r.Label == "pos", Text = r.Text }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new RecurrentTrainerOptions
        {
            FeatureColumnName = "Tokens",
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 12,
            EmbeddingSize = 8,
            Epochs = 10,
            BatchSize = 8,
            LearningRate = 0.02f,
        };
        var trainer = ml.BinaryClassification.Trainers.Recurrent(options);
        var model = ml.Transforms.Text.NormalizeText("Text")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Append(trainer)
            .Fit(data);
        var scored = model.Transform(data);
        var metrics = ml.BinaryClassification.Evaluate(scored);
        var engine = trainer.LastModel!.Evaluate(
            MLNetTestData.EngineView(model, 3, data, RecurrentTask.BinaryClassification, options));
        Assert.Equal(engine.Accuracy!.Value, metrics.Accuracy, 12);
        Assert.Equal(engine.Loss / Math.Log(2), metrics.LogLoss, 5); // ML.NET's binary log-loss is in bits
        Assert.InRange(metrics.AreaUnderRocCurve, 0.9, 1.0);

        // Probability is σ(Score), PredictedLabel is Score > 0, and a reloaded model predicts the same.
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var engineOnLoaded = ml.Model.CreatePredictionEngine<BinaryReview, BinaryPrediction>(ml.Model.Load(stream, out _));
        var scores = scored.GetColumn<float>("Score").ToArray();
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            var p = engineOnLoaded.Predict(rows[i]);
            Assert.Equal(scores[i], p.Score, tolerance: 1e-6);
            Assert.Equal(probabilities[i], p.Probability, tolerance: 1e-6);
            Assert.Equal(1 / (1 + Math.Exp(-p.Score)), p.Probability, tolerance: 1e-6);
            Assert.Equal(p.Score > 0, p.PredictedLabel);
        }
    }

    [Fact]
    public void Regression_on_the_adding_problem_as_float_steps_evaluates_as_the_engine()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(MLNetTestData.Adding(1500, length: 20, seed: 1));
        var test = ml.Data.LoadFromEnumerable(MLNetTestData.Adding(300, length: 20, seed: 2));
        var options = new RecurrentTrainerOptions
        {
            FeaturesPerStep = 2,
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 16,
            Epochs = 4,
            BatchSize = 32,
            LearningRate = 0.01f,
            ClipNorm = 1,
        };
        var trainer = ml.Regression.Trainers.Recurrent(options);
        var model = trainer.Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.Regression.Evaluate(scored);
        var engine = trainer.LastModel!.Evaluate(
            MLNetTestData.EngineView(model, 0, test, RecurrentTask.Regression, options));
        Assert.Equal(2, trainer.LastModel.FeatureCount);
        Assert.Equal(engine.MeanSquaredError!.Value, metrics.MeanSquaredError, 5);
        Assert.True(metrics.MeanSquaredError < 0.1, $"MSE {metrics.MeanSquaredError} (predicting the mean scores about 0.17)");

        var prediction = ml.Model.CreatePredictionEngine<Steps, ValuePrediction>(model);
        var rows = MLNetTestData.Adding(5, length: 20, seed: 2);
        var bulk = scored.GetColumn<float>("Score").Take(5).ToArray();
        for (var i = 0; i < rows.Length; i++)
            Assert.Equal(bulk[i], prediction.Predict(rows[i]).Score, tolerance: 1e-6);
    }
}
