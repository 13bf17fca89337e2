using System.CommandLine;
using System.Globalization;
using Recurrent.Host.Service.Predictions;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Commands;

/// <summary>`recurrent predict`: one prediction per record, from a saved model.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A model written by train, or an exported .onnx file (run by ONNX Runtime).", Required = true };
        var data = new Option<string>("--data") { Description = "Records: a .jsonl or .csv file, or a built-in name (its test split).", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of built-in data (default 1).", DefaultValueFactory = _ => 1 };
        var count = new Option<int?>("--count") { Description = "Predict at most this many records." };
        var json = CliOptions.Json();
        var command = new Command("predict", "Predict each record: class and probabilities, or value.") { model, data, seed, count, json };
        command.SetAction(parse => ExitCodes.Guard(() =>
        {
            var path = parse.GetRequiredValue(model);
            Prediction[] predictions;
            LabelSet labels;
            string engine;
            if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                using var predictor = OnnxPredictor.Open(path);
                var reference = new SequenceDataset(path, predictor.InputKind, predictor.FeatureCount, predictor.Vocabulary,
                    predictor.Labels, []);
                var dataset = ModelData.Load(parse.GetRequiredValue(data), reference, parse.GetValue(seed), parse.GetValue(count),
                    labelsOptional: true);
                predictions = predictor.PredictBatch(dataset.Examples);
                labels = predictor.Labels;
                engine = "onnxruntime";
            }
            else
            {
                var classifier = SequenceModel.Load(path);
                var dataset = ModelData.Load(parse.GetRequiredValue(data), classifier, parse.GetValue(seed), parse.GetValue(count),
                    labelsOptional: true);
                predictions = classifier.PredictBatch(dataset.Examples);
                labels = classifier.Labels;
                engine = "managed";
            }
            if (parse.GetValue(json))
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
        }));
        return command;
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
