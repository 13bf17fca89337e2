using System.CommandLine;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Commands;

/// <summary>`recurrent evaluate`: loss, accuracy and confusion matrix of a saved model on labelled data.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A model written by train.", Required = true };
        var data = new Option<string>("--data") { Description = "Labelled data: a .jsonl, .csv or .conll file, or a built-in name (its test split).", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of built-in data (default 1).", DefaultValueFactory = _ => 1 };
        var count = new Option<int?>("--count") { Description = "Evaluate at most this many sequences." };
        var json = CliOptions.Json();
        var command = new Command("evaluate", "Evaluate a model: loss, accuracy and confusion matrix.") { model, data, seed, count, json };
        command.SetAction(parse => ExitCodes.Guard(() =>
        {
            if (EncoderDecoderFile.IsEncoderDecoder(parse.GetRequiredValue(model)))
                return EncoderDecoderCommands.Evaluate(parse.GetRequiredValue(model), parse.GetRequiredValue(data),
                    parse.GetValue(seed), parse.GetValue(count), parse.GetValue(json));
            var classifier = SequenceModel.Load(parse.GetRequiredValue(model));
            var dataset = ModelData.Load(parse.GetRequiredValue(data), classifier.DescribeData(), parse.GetValue(seed),
                parse.GetValue(count), labelsOptional: false, out var baseline);
            var evaluation = classifier.Evaluate(dataset);
            var result = new Dictionary<string, object?>
            {
                ["count"] = evaluation.Count,
                ["loss"] = evaluation.Loss,
                ["accuracy"] = evaluation.Accuracy,
                ["mse"] = evaluation.MeanSquaredError,
            };
            EvaluatePerStep.Add(result, evaluation, baseline);
            if (evaluation.ConfusionMatrix is { } confusion)
            {
                var classes = classifier.Labels.ClassNames;
                result["classes"] = classes;
                result["confusion_matrix"] = Enumerable.Range(0, classes.Count)
                    .Select(actual => Enumerable.Range(0, classes.Count).Select(predicted => confusion[actual, predicted]).ToArray())
                    .ToArray();
            }
            if (parse.GetValue(json))
            {
                CliOutput.Print(result, json: true);
                return ExitCodes.Success;
            }
            result.Remove("classes");
            result.Remove("confusion_matrix");
            EvaluatePerStep.RemoveTables(result);
            CliOutput.Print(result, json: false);
            EvaluatePerStep.PrintTables(evaluation);
            // A character model's matrix has thousands of cells: the per-class table says it in JSON (--json has it all).
            if (evaluation.ConfusionMatrix is { } matrix && matrix.GetLength(0) <= EvaluatePerStep.MaxPrintedClasses)
                PrintConfusion(matrix, classifier.Labels.ClassNames);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static void PrintConfusion(int[,] matrix, IReadOnlyList<string> classes)
    {
        var width = Math.Max(6, classes.Max(c => c.Length) + 1);
        Console.WriteLine();
        Console.WriteLine("confusion matrix (rows: actual, columns: predicted)");
        Console.WriteLine("".PadRight(width) + string.Concat(classes.Select(c => c.PadLeft(width))));
        for (var a = 0; a < classes.Count; a++)
            Console.WriteLine(classes[a].PadRight(width) + string.Concat(Enumerable.Range(0, classes.Count).Select(p => matrix[a, p].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width))));
    }
}
