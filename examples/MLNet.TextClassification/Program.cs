// Text classification with a recurrent network inside an ordinary ML.NET pipeline: the 40 film reviews of
// examples/reviews.csv, a GRU over the words, evaluated, saved as a normal ML.NET model and reloaded.
using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.MLNet;

var ml = new MLContext(seed: 1);
ml.Log += (_, e) => { if (e.RawMessage.StartsWith("Recurrent epoch")) Console.WriteLine(e.RawMessage); };
IDataView data = ml.Data.LoadFromTextFile<Review>(Path.Combine(AppContext.BaseDirectory, "reviews.csv"),
    separatorChar: ',', hasHeader: true, allowQuoting: true);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 1);

var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.Text.NormalizeText("Text"))
    .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
    .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
    .Append(ml.MulticlassClassification.Trainers.Recurrent(new RecurrentTrainerOptions
    {
        LabelColumnName = "Label",
        FeatureColumnName = "Tokens",
        Cell = RecurrentCellKind.Gru,
        HiddenSize = 16,
        Bidirectional = true,
        Epochs = 20,
        BatchSize = 8,
        LearningRate = 0.01f,
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
ITransformer model = pipeline.Fit(split.TrainSet);

MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
Console.WriteLine($"test accuracy {metrics.MicroAccuracy:F3}, log-loss {metrics.LogLoss:F3}");

var path = Path.Combine(Path.GetTempPath(), "reviews-recurrent.zip");
ml.Model.Save(model, split.TrainSet.Schema, path);          // a normal ML.NET model file
var engine = ml.Model.CreatePredictionEngine<Review, ReviewPrediction>(ml.Model.Load(path, out _));
foreach (var text in new[] { "a warm and funny film", "dull, far too long and wooden" })
{
    var p = engine.Predict(new Review { Text = text });
    Console.WriteLine($"\"{text}\" -> {p.PredictedLabel} ({p.Score.Max():F2})");
}

public sealed class Review
{
    [LoadColumn(0)] public string Label { get; set; } = "";
    [LoadColumn(1)] public string Text { get; set; } = "";
}

public sealed class ReviewPrediction
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = [];
}
