using System.CommandLine;
using System.Globalization;
using Recurrent.Host.Service.Predictions;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Commands;

/// <summary>
/// `recurrent predict`: one prediction per record from a saved model, or one per step of each record from a model
/// with a per-step head (a tagger, a character model).
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A model written by train, or an exported .onnx file (run by ONNX Runtime).", Required = true };
        var data = new Option<string>("--data") { Description = "Records: a .jsonl, .csv or .conll file, or a built-in name (its test split).", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of built-in data (default 1).", DefaultValueFactory = _ => 1 };
        var count = new Option<int?>("--count") { Description = "Predict at most this many records." };
        var json = CliOptions.Json();
        var command = new Command("predict",
            "Predict each record: class and probabilities, or value; a per-step model predicts every step.") { model, data, seed, count, json };
        command.SetAction(parse => ExitCodes.Guard(() =>
        {
            var path = parse.GetRequiredValue(model);
            var spec = parse.GetRequiredValue(data);
            if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                using var predictor = OnnxPredictor.Open(path);
                var reference = new SequenceDataset(path, predictor.InputKind, predictor.FeatureCount, predictor.Vocabulary,
                    predictor.Labels, [], predictor.PerStep)
                { TokenUnit = predictor.TokenUnit };
                var dataset = ModelData.Load(spec, reference, parse.GetValue(seed), parse.GetValue(count), labelsOptional: true);
                if (predictor.PerStep)
                    return PredictStepsOutput.Print(predictor.PredictSteps(dataset.Examples), dataset, predictor.Vocabulary,
                        "onnxruntime", parse.GetValue(json));
                return Print(predictor.PredictBatch(dataset.Examples), predictor.Labels, "onnxruntime", parse.GetValue(json));
            }
            if (EncoderDecoderFile.IsEncoderDecoder(path))
                return EncoderDecoderCommands.Predict(path, spec, parse.GetValue(seed), parse.GetValue(count), parse.GetValue(json));
            var classifier = SequenceModel.Load(path);
            var records = ModelData.Load(spec, classifier, parse.GetValue(seed), parse.GetValue(count), labelsOptional: true);
            if (classifier.PerStep)
                return PredictStepsOutput.Print(classifier.PredictSteps(records.Examples), records, classifier.Vocabulary,
                    "managed", parse.GetValue(json));
            return Print(classifier.PredictBatch(records.Examples), classifier.Labels, "managed", parse.GetValue(json));
        }));
        return command;
    }

    private static int Print(Prediction[] predictions, LabelSet labels, string engine, bool json)
    {
        if (json)
        {
            var rows = predictions.Select((p, i) => ToRow(p, i, labels)).ToArray();
            CliOutput.Print(new Dictionary<string, object?> { ["engine"] = engine, ["predictions"] = rows }, json: true);
            return ExitCodes.Success;
        }
        foreach (var (p, i) in predictions.Select((p, i) => (p, i)))
        {
            Console.WriteLine(p.Label is null
                ? $"{i}\t{p.Value.ToString("G6", CultureInfo.InvariantCulture)}"
                : $"{i}\t{p.Label}\t{p.Probabilities[p.ClassIndex].ToString("F4", CultureInfo.InvariantCulture)}");
        }
        return ExitCodes.Success;
    }

    internal static Dictionary<string, object?> ToRow(Prediction p, int index, LabelSet labels) =>
        p.Label is null
            ? new() { ["record"] = index, ["value"] = p.Value }
            : new()
            {
                ["record"] = index,
                ["label"] = p.Label,
                ["probabilities"] = labels.ClassNames.Select((c, k) => (c, k)).ToDictionary(x => x.c, x => p.Probabilities[x.k]),
            };
}
