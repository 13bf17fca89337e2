// A new user's program: the Recurrent.Trainer package, ML.NET, and `using Microsoft.ML;` alone.
// Usage: Trainer.Consumer OUTPUT_DIR. Writes model.zip, metrics.txt and predictions.txt there.
using Microsoft.ML;

var output = args[0];
var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromEnumerable(Texts.Make(400, seed: 1));
var test = ml.Data.LoadFromEnumerable(Texts.Make(100, seed: 2));

var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.Text.NormalizeText("Text", keepDiacritics: true))   // ONNX has no operator that removes diacritics
    .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
    .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
    .Append(ml.MulticlassClassification.Trainers.Recurrent(new RecurrentTrainerOptions
    {
        FeatureColumnName = "Tokens",
        Cell = RecurrentCellKind.Gru,
        HiddenSize = 16,
        EmbeddingSize = 8,
        Epochs = 8,
        BatchSize = 16,
        LearningRate = 0.01f,
        ClipNorm = 1,
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
ITransformer model = pipeline.Fit(train);
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
File.WriteAllText(Path.Combine(output, "metrics.txt"), $"accuracy {metrics.MicroAccuracy:R}\n");

ml.Model.Save(model, train.Schema, Path.Combine(output, "model.zip"));
using (var onnx = File.Create(Path.Combine(output, "model.onnx")))
    ml.Model.ConvertRecurrentToOnnx(model, train.Schema, onnx, includeFeaturization: true);

var engine = ml.Model.CreatePredictionEngine<Review, Prediction>(model);
File.WriteAllLines(Path.Combine(output, "predictions.txt"),
    Texts.Probes.Select(t => engine.Predict(new Review { Label = "", Text = t })).Select(p => $"{p.PredictedLabel} {string.Join(' ', p.Score.Select(s => s.ToString("R")))}"));

public sealed class Review
{
    public string Label { get; set; } = "";
    public string Text { get; set; } = "";
}

public sealed class Prediction
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = [];
}

public static class Texts
{
    public static readonly string[] Probes = ["Alpha w1 w2 w3", "w4 beta w5", "w6 gamma w7 w8 w9", "w1 w2"];

    // The class is the first of alpha, beta, gamma to appear among filler words.
    public static IEnumerable<Review> Make(int count, int seed)
    {
        var random = new Random(seed);
        string[] classes = ["alpha", "beta", "gamma"];
        for (var i = 0; i < count; i++)
        {
            var c = random.Next(3);
            var words = Enumerable.Range(0, random.Next(3, 9)).Select(_ => $"w{random.Next(10)}").ToList();
            words.Insert(random.Next(words.Count), classes[c]);
            yield return new Review { Label = classes[c], Text = string.Join(' ', words) };
        }
    }
}
