using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>
/// A per-step regression over numeric steps (a value forecast at every step) written as an ML.NET model file, what
/// `recurrent export --mlnet` and the service's model.zip write: loaded with ML.NET alone, its PredictionEngine gives
/// a value per step equal to the engine's within 1e-5, for rows of any length, an empty row included; a per-step
/// classifier over numeric steps is refused by name.
/// </summary>
public sealed class StepValuesModelFileTests
{
    public sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    public sealed class Values
    {
        public VBuffer<float> Score { get; set; }
    }

    // Two features a step; the target at step t is the running sum of the first feature: it needs the steps before.
    private static string Jsonl(int count, int seed, bool classes)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var length = random.Next(3, 9);
            var steps = new List<string>();
            var targets = new List<string>();
            var sum = 0.0;
            for (var t = 0; t < length; t++)
            {
                var x = random.NextDouble() - 0.5;
                sum += x;
                steps.Add(string.Create(CultureInfo.InvariantCulture, $"[{x:R},{random.NextDouble():R}]"));
                targets.Add(classes ? (sum > 0 ? "\"up\"" : "\"down\"") : sum.ToString("R", CultureInfo.InvariantCulture));
            }
            text.Append("{\"steps\":[").AppendJoin(',', steps).Append("],\"targets\":[").AppendJoin(',', targets).Append("]}\n");
        }
        return text.ToString();
    }

    private static Recurrent.Trainer.Models.SequenceModel Train(bool classes)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("recurrent-step-values-").FullName, "series.jsonl");
        File.WriteAllText(path, Jsonl(200, 3, classes));
        var data = DatasetLoader.Load(path);
        Assert.True(data.Train.PerStep);
        return new SequenceModelTrainer(new SequenceModelOptions { Cell = RecurrentCellKind.Gru, HiddenSize = 8, Epochs = 3, Seed = 2 }).Fit(data.Train);
    }

    [Fact]
    public void A_per_step_regression_is_an_ml_net_model_file_that_predicts_every_step_as_the_engine()
    {
        var model = Train(classes: false);
        using var zip = new MemoryStream(MLNetModelExport.ToBytes(model));
        var ml = new MLContext();
        var loaded = ml.Model.Load(zip, out var schema);
        Assert.Equal(MLNetModelExport.FeaturesColumn, schema.Single().Name);
        var engine = ml.Model.CreatePredictionEngine<Row, Values>(loaded);
        var random = new Random(9);
        foreach (var length in new[] { 1, 2, 5, 13, 40 })
        {
            var features = Enumerable.Range(0, 2 * length).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var expected = model.PredictSteps(SequenceExample.FromSteps(features, 2, 0f)).Select(p => p.Value).ToArray();
            var values = engine.Predict(new Row { Features = features }).Score.DenseValues().ToArray();
            Assert.Equal(length, values.Length);
            for (var t = 0; t < length; t++)
                Assert.True(Math.Abs(values[t] - expected[t]) <= 1e-5 * Math.Max(1, Math.Abs(expected[t])), $"length {length}, step {t}: {values[t]} against {expected[t]}");
        }
        Assert.Empty(engine.Predict(new Row { Features = [] }).Score.DenseValues());
    }

    [Fact]
    public void A_per_step_classifier_over_numeric_steps_is_refused_by_name()
    {
        var model = Train(classes: true);
        var refused = Assert.Throws<NotSupportedException>(() => MLNetModelExport.ToBytes(model));
        Assert.Contains("A per-step classifier over numeric steps is not written as an ML.NET model file", refused.Message);
    }
}
