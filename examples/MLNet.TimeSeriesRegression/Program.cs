// Numeric time-series regression: each row of examples/sine-windows.csv holds the next value of a noisy series
// and the 16 values before it. The window is a float vector read as 16 steps of one feature (FeaturesPerStep = 1).
using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.MLNet;

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromTextFile<Window>(Path.Combine(AppContext.BaseDirectory, "sine-windows.csv"),
    separatorChar: ',', hasHeader: true);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

var trainer = ml.Regression.Trainers.Recurrent(new RecurrentTrainerOptions
{
    LabelColumnName = "Next",
    FeatureColumnName = "Values",
    FeaturesPerStep = 1,
    Cell = RecurrentCellKind.Lstm,
    HiddenSize = 24,
    Epochs = 12,
    BatchSize = 16,
    LearningRate = 0.01f,
    ClipNorm = 1,
    ValidationFraction = 0.1,
});
var model = trainer.Fit(split.TrainSet);

var metrics = ml.Regression.Evaluate(model.Transform(split.TestSet), labelColumnName: "Next");
Console.WriteLine($"test RMSE {metrics.RootMeanSquaredError:F4}, R² {metrics.RSquared:F3}");

var engine = ml.Model.CreatePredictionEngine<Window, NextValue>(model);
var first = ml.Data.CreateEnumerable<Window>(split.TestSet, reuseRowObject: false).First();
Console.WriteLine($"next value {first.Next:F3}, predicted {engine.Predict(first).Score:F3}");

public sealed class Window
{
    [LoadColumn(0)] public float Next { get; set; }
    [LoadColumn(1, 16), VectorType(16)] public float[] Values { get; set; } = [];
}

public sealed class NextValue
{
    public float Score { get; set; }
}
