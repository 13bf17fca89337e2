// A program that knows nothing of Recurrent: ML.NET, OnnxTransformer and ONNX Runtime only.
// Usage: Loader.Consumer MODEL.zip TEXT... ; prints one line per text: the predicted label, then the scores.
//        Loader.Consumer --decode MODEL.zip SOURCE... ; an encoder–decoder's model: prints each source's output symbols.
using Microsoft.ML;

var ml = new MLContext();
if (args[0] == "--decode")
{
    var decoder = ml.Model.CreatePredictionEngine<Reversal, Decoded>(ml.Model.Load(args[1], out _));
    foreach (var source in args.Skip(2))
        Console.WriteLine(string.Join(' ', decoder.Predict(new Reversal { Source = source }).Output));
    return;
}
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

// An encoder–decoder's row: the target is empty at prediction time.
public sealed class Reversal
{
    public string Source { get; set; } = "";
    public string Target { get; set; } = "";
}

public sealed class Decoded
{
    public string[] Output { get; set; } = [];
}
