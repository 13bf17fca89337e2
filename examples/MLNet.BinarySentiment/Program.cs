// Binary classification (a Boolean label) with an LSTM over the words of examples/reviews.csv: ML.NET's binary
// evaluator (accuracy, AUC, log-loss) and PredictionEngine work on the Recurrent trainer's outputs unchanged.
using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.MLNet;

var ml = new MLContext(seed: 1);
var reviews = ml.Data.LoadFromTextFile<Review>(Path.Combine(AppContext.BaseDirectory, "reviews.csv"),
    separatorChar: ',', hasHeader: true, allowQuoting: true);
var positive = ml.Data.CreateEnumerable<Review>(reviews, reuseRowObject: false)
    .Select(r => new Sentiment { Positive = r.Label == "pos", Text = r.Text });
var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(positive), testFraction: 0.25, seed: 1);

var pipeline = ml.Transforms.Text.NormalizeText("Text")
    .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
    .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
    .Append(ml.BinaryClassification.Trainers.Recurrent(new RecurrentTrainerOptions
    {
        LabelColumnName = "Positive",
        FeatureColumnName = "Tokens",
        Cell = RecurrentCellKind.Lstm,
        HiddenSize = 16,
        Bidirectional = true,
        Epochs = 20,
        BatchSize = 8,
        LearningRate = 0.01f,
    }));
var model = pipeline.Fit(split.TrainSet);

var metrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet), labelColumnName: "Positive");
Console.WriteLine($"test accuracy {metrics.Accuracy:F3}, AUC {metrics.AreaUnderRocCurve:F3}, log-loss {metrics.LogLoss:F3}");

var engine = ml.Model.CreatePredictionEngine<Sentiment, SentimentPrediction>(model);
foreach (var text in new[] { "a warm and funny film", "dull, far too long and wooden" })
{
    var p = engine.Predict(new Sentiment { Text = text });
    Console.WriteLine($"\"{text}\" -> positive: {p.PredictedLabel} (probability {p.Probability:F2})");
}

public sealed class Review
{
    [LoadColumn(0)] public string Label { get; set; } = "";
    [LoadColumn(1)] public string Text { get; set; } = "";
}

public sealed class Sentiment
{
    public bool Positive { get; set; }
    public string Text { get; set; } = "";
}

public sealed class SentimentPrediction
{
    public bool PredictedLabel { get; set; }
    public float Probability { get; set; }
    public float Score { get; set; }
}
