using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>The text pipeline, end to end: train, evaluate, save, load, predict.</summary>
public sealed class MulticlassPipelineTests
{
    private static RecurrentTrainerOptions Options(int epochs = 8) => new()
    {
        LabelColumnName = "Label",
        FeatureColumnName = "Tokens",
        Cell = RecurrentCellKind.Gru,
        HiddenSize = 16,
        EmbeddingSize = 8,
        Epochs = epochs,
        BatchSize = 8,
        LearningRate = 0.01f,
        Seed = 3,
    };

    private static (IEstimator<ITransformer> Pipeline, RecurrentTrainer Trainer) Pipeline(MLContext ml, RecurrentTrainerOptions options)
    {
        var trainer = ml.MulticlassClassification.Trainers.Recurrent(options);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.Text.NormalizeText("Text"))
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        return (pipeline, trainer);
    }

    [Fact]
    public void Reviews_evaluate_save_load_and_predict_agree_with_the_engine()
    {
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(MLNetTestData.LoadReviews(ml), testFraction: 0.25, seed: 1);
        var options = Options();
        var (pipeline, trainer) = Pipeline(ml, options);
        var model = pipeline.Fit(split.TrainSet);
        var scored = model.Transform(split.TestSet);

        // Score's slots are named after the label's key values, and PredictedLabel has the label's key type.
        var keyed = split.TestSet;
        foreach (var transformer in ((IEnumerable<ITransformer>)model).Take(5)) // before MapKeyToValue
            keyed = transformer.Transform(keyed);
        Assert.Equal(keyed.Schema["Label"].Type, keyed.Schema["PredictedLabel"].Type);
        VBuffer<ReadOnlyMemory<char>> labelValues = default, predictedValues = default, slots = default;
        keyed.Schema["Label"].GetKeyValues(ref labelValues);
        keyed.Schema["PredictedLabel"].GetKeyValues(ref predictedValues);
        scored.Schema["Score"].GetSlotNames(ref slots);
        string[] classes = [.. labelValues.DenseValues().Select(v => v.ToString())];
        Assert.Equal(["neg", "pos"], classes.Order());
        Assert.Equal(classes, predictedValues.DenseValues().Select(v => v.ToString()));
        Assert.Equal(classes, slots.DenseValues().Select(v => v.ToString()));

        // ML.NET's evaluator on the outputs equals the engine's own evaluation of the same rows.
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        var engine = trainer.LastModel!.Evaluate(
            MLNetTestData.EngineView(model, 4, split.TestSet, RecurrentTask.MulticlassClassification, options));
        Assert.Equal(engine.Accuracy!.Value, metrics.MicroAccuracy, 12);
        Assert.Equal(engine.Loss, metrics.LogLoss, 5);
        Assert.Equal(engine.Count, metrics.ConfusionMatrix.Counts.Sum(r => r.Sum()));

        // Saved and reloaded, the model scores exactly as in memory.
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-mlnet-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, split.TrainSet.Schema, path);
            var loaded = new MLContext(seed: 5).Model.Load(path, out var inputSchema);
            Assert.Equal("Text", inputSchema["Text"].Name);
            var reloaded = loaded.Transform(split.TestSet);
            Assert.True(MLNetTestData.MaxDifference(MLNetTestData.Scores(scored), MLNetTestData.Scores(reloaded)) <= 1e-6);

            // A PredictionEngine on the loaded model equals the bulk transform, row by row.
            var engineOnLoaded = ml.Model.CreatePredictionEngine<Review, ReviewPrediction>(loaded);
            var rows = ml.Data.CreateEnumerable<Review>(split.TestSet, reuseRowObject: false).ToArray();
            var bulkLabels = scored.GetColumn<string>("PredictedLabel").ToArray();
            var bulkScores = MLNetTestData.Scores(scored);
            for (var i = 0; i < rows.Length; i++)
            {
                var p = engineOnLoaded.Predict(rows[i]);
                Assert.Equal(bulkLabels[i], p.PredictedLabel);
                Assert.True(MLNetTestData.MaxDifference([bulkScores[i]], [p.Score]) <= 1e-6);
                Assert.Equal(1.0, p.Score.Sum(), 5);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Skip connections through time go through ML.NET too: the exported graph's Pad/Reshape stage runs
    /// inside OnnxTransformer at batch 1 and agrees with the engine.</summary>
    [Fact]
    public void A_dilated_network_evaluates_as_the_engine_and_scores_the_same_after_loading()
    {
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(MLNetTestData.LoadReviews(ml), testFraction: 0.25, seed: 1);
        var options = Options(epochs: 3);
        options.Cell = RecurrentCellKind.Lstm;
        options.Layers = 2;
        options.Dilations = [1, 3];
        var (pipeline, trainer) = Pipeline(ml, options);
        var model = pipeline.Fit(split.TrainSet);
        var scored = model.Transform(split.TestSet);

        Assert.Equal([1, 3], trainer.LastModel!.Options.Dilations!);
        var engine = trainer.LastModel.Evaluate(
            MLNetTestData.EngineView(model, 4, split.TestSet, RecurrentTask.MulticlassClassification, options));
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.Equal(engine.Accuracy!.Value, metrics.MicroAccuracy, 12);
        Assert.Equal(engine.Loss, metrics.LogLoss, 5);

        var path = Path.Combine(Path.GetTempPath(), $"recurrent-mlnet-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, split.TrainSet.Schema, path);
            var reloaded = new MLContext(seed: 5).Model.Load(path, out _).Transform(split.TestSet);
            Assert.True(MLNetTestData.MaxDifference(MLNetTestData.Scores(scored), MLNetTestData.Scores(reloaded)) <= 1e-6);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_as_the_engine_trainer()
    {
        var ml = new MLContext(seed: 1);
        var data = MLNetTestData.LoadReviews(ml);
        var options = Options(epochs: 3);
        var (pipeline, trainer) = Pipeline(ml, options);
        var model = pipeline.Fit(data);

        var direct = new SequenceModelTrainer(options.ToEngineOptions())
            .Fit(MLNetTestData.EngineView(model, 4, data, RecurrentTask.MulticlassClassification, options));
        var throughMLNet = trainer.LastModel!;
        Assert.Equal(direct.Parameters.Count, throughMLNet.Parameters.Count);
        for (var i = 0; i < direct.Parameters.Count; i++)
            Assert.Equal(direct.Parameters[i].Value, throughMLNet.Parameters[i].Value); // bit for bit
    }

    [Fact]
    public void A_long_range_text_task_is_learnt_and_evaluated_as_the_engine_does()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(MLNetTestData.LongRange(600, seed: 1));
        var test = ml.Data.LoadFromEnumerable(MLNetTestData.LongRange(150, seed: 2));
        var options = Options(epochs: 6);
        options.Cell = RecurrentCellKind.Lstm;
        options.ClipNorm = 1;
        var (pipeline, trainer) = Pipeline(ml, options);
        var model = pipeline.Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        var engine = trainer.LastModel!.Evaluate(
            MLNetTestData.EngineView(model, 4, test, RecurrentTask.MulticlassClassification, options));

        Assert.Equal(3, trainer.LastModel.Labels.ClassCount);
        Assert.Equal(engine.Accuracy!.Value, metrics.MicroAccuracy, 12);
        Assert.Equal(engine.Loss, metrics.LogLoss, 5);
        Assert.True(metrics.MicroAccuracy > 0.9, $"accuracy {metrics.MicroAccuracy}");
    }
}
