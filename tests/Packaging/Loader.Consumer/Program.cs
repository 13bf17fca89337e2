// A program that knows nothing of Recurrent: ML.NET, OnnxTransformer and ONNX Runtime only.
// Usage: Loader.Consumer MODEL.zip TEXT... ; prints one line per text: the predicted label, then the scores.
using Microsoft.ML;

var ml = new MLContext();
var model = ml.Model.Load(args[0], out _);
var engine = ml.Model.CreatePredictionEngine<Review, Prediction>(model);
foreach (var text in args.Skip(1))
{
    var p = engine.Predict(new Review { Label = "", Text = text });
    Console.WriteLine($"{p.PredictedLabel} {string.Join(' ', p.Score.Select(s => s.ToString("R")))}");
}

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
