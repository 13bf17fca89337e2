// A new user's program: the Recurrent.Trainer package, ML.NET, and `using Microsoft.ML;` alone.
// Usage: Trainer.Consumer OUTPUT_DIR. Writes model.zip, metrics.txt and predictions.txt there (a text classifier), and
// seq2seq.zip, seq2seq-metrics.txt and seq2seq.txt (an encoder–decoder that reverses its source).
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

// The encoder–decoder: its fitted model is one ONNX graph with a Loop of decoder steps inside an OnnxTransformer.
var pairs = ml.Data.LoadFromEnumerable(Reversals.Make(800, seed: 3));
var seq2seq = ml.Transforms.Text.TokenizeIntoWords("SourceWords", "Source")
    .Append(ml.Transforms.Text.TokenizeIntoWords("TargetWords", "Target"))
    .Append(ml.Transforms.Conversion.MapValueToKey("Features", "SourceWords"))
    .Append(ml.Transforms.Conversion.MapValueToKey("Label", "TargetWords"))
    .Append(ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(new RecurrentTrainerOptions
    {
        Cell = RecurrentCellKind.Lstm,
        HiddenSize = 32,
        EmbeddingSize = 8,
        Epochs = 10,
        BatchSize = 16,
        LearningRate = 0.01f,
        ClipNorm = 1,
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("Output", "PredictedLabel"));
ITransformer reverser = seq2seq.Fit(pairs);
var reversed = ml.MulticlassClassification.EvaluateEncoderDecoder(
    reverser.Transform(ml.Data.LoadFromEnumerable(Reversals.Make(200, seed: 4))));
File.WriteAllText(Path.Combine(output, "seq2seq-metrics.txt"), $"sequence-accuracy {reversed.SequenceAccuracy:R}\n");
ml.Model.Save(reverser, pairs.Schema, Path.Combine(output, "seq2seq.zip"));
var decoder = ml.Model.CreatePredictionEngine<Reversal, Decoded>(reverser);
File.WriteAllLines(Path.Combine(output, "seq2seq.txt"),
    Reversals.Probes.Select(s => string.Join(' ', decoder.Predict(new Reversal { Source = s }).Output)));

public sealed class Reversal
{
    public string Source { get; set; } = "";
    public string Target { get; set; } = "";
}

public sealed class Decoded
{
    public string[] Output { get; set; } = [];
}

public static class Reversals
{
    public static readonly string[] Probes = ["a b c", "d a", "e", "c e b d"];

    // Sources of 1 to 4 symbols of a–e; the target is the source reversed.
    public static IEnumerable<Reversal> Make(int count, int seed)
    {
        var random = new Random(seed);
        string[] symbols = ["a", "b", "c", "d", "e"];
        for (var i = 0; i < count; i++)
        {
            var source = Enumerable.Range(0, random.Next(1, 5)).Select(_ => symbols[random.Next(symbols.Length)]).ToArray();
            yield return new Reversal { Source = string.Join(' ', source), Target = string.Join(' ', Enumerable.Reverse(source)) };
        }
    }
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
