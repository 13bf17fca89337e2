using System.Diagnostics;
using System.Globalization;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Files;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Commands;

/// <summary>
/// train, evaluate, predict and export for an encoder–decoder: `train --data reverse:N`, and a model file of format 4
/// given to the other three. Each prints what the sequence models' commands print where it means the same (loss,
/// the model's path), and the encoder–decoder's own figures: token and sequence accuracy of greedy decoding, beside
/// those of copying the input unchanged (the baseline).
/// </summary>
internal static class EncoderDecoderCommands
{
    public static int Train(string spec, SequenceModelOptions options, DatasetOptions data, string outPath, string? onnxPath,
        bool json, bool extraFiles, int? metricsPort = null, double metricsLinger = 0)
    {
        if (extraFiles)
            throw new ArgumentException($"'{spec}' makes its own validation and test pairs; --valid and --test take files for other tasks.");
        var clock = Stopwatch.StartNew();
        var (train, validation, test) = PairDataset.LoadTask(spec, data.Seed, data.Count);
        if (!json)
            Console.WriteLine($"data: {train.Count} training pairs from {train.Name}, {validation.Count} validation, {test.Count} test");
        // Ctrl+C stops training inside a step, between its time steps, as for the sequence models; nothing is written then.
        using var cancel = new ConsoleCancellation();
        var trainer = new EncoderDecoderTrainer(options);
        // The run's one monitor (recording the metrics with --metrics-port) reads the step reports a sequence model's
        // training gives; the progress line feeds it, and its gradient health goes into the result.
        using var monitoring = CliMonitoring.Start(metricsPort, Path.GetFileNameWithoutExtension(outPath));
        var monitor = monitoring?.Monitor ?? new GradientMonitor(null, "train");
        var progress = new TrainCommand.CompletedSteps();
        ITrainingObserver[] observers = json
            ? [monitor, progress]
            : [new ProgressReporter(Console.Out, options.Epochs, !Console.IsOutputRedirected, monitor: monitor), progress];
        EncoderDecoderEpoch? last = null;
        EncoderDecoderModel model;
        try
        {
            using var stepCancellation = StepCancellation.Enter(cancel.Token);
            model = options.MaxSteps == 0
                ? trainer.Initialize(train)
                : trainer.Fit(train, validation, epoch =>
                {
                    last = epoch;
                    if (!json)
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"epoch {epoch.Epoch}: loss {epoch.TrainLoss:F4}, validation loss {epoch.Validation!.Loss:F4}, token accuracy {epoch.Validation.TokenAccuracy:P1}, sequence accuracy {epoch.Validation.SequenceAccuracy:P1}"));
                }, cancel.Token, new CompositeObserver(observers));
        }
        catch (OperationCanceledException) when (cancel.Token.IsCancellationRequested)
        {
            if (!json && !Console.IsOutputRedirected)
                Console.WriteLine(); // ends the progress bar's line
            return TrainCommand.Cancelled(outPath, $"after {progress.Count} completed steps");
        }
        model.Save(outPath);
        var onnx = onnxPath is null ? default : model.ExportOnnx(onnxPath);
        var result = new Dictionary<string, object?>
        {
            ["model"] = Path.GetFullPath(outPath),
            ["onnx_encoder"] = onnx.Encoder is null ? null : Path.GetFullPath(onnx.Encoder),
            ["onnx_decoder"] = onnx.Decoder is null ? null : Path.GetFullPath(onnx.Decoder),
            ["train_loss"] = last?.TrainLoss,
        };
        Add(result, "valid_", model.Evaluate(validation.Pairs));
        Add(result, "test_", model.Evaluate(test.Pairs));
        AddBaseline(result, test);
        result["epochs"] = last?.Epoch ?? 0;
        result["steps"] = last?.Steps ?? 0;
        result["clipped_steps"] = last?.ClippedSteps ?? 0;
        result["nonfinite_steps"] = last?.NonFiniteSteps ?? 0;
        result["clip_rate"] = last is { Steps: > 0 } ? (double)last.ClippedSteps / last.Steps : 0;
        result["last_grad_norm"] = monitor.Last?.GradNorm;
        result["log10_vanishing_ratio"] = monitor.LastLog10VanishingRatio;
        result["memory_horizon"] = monitor.Last?.MemoryHorizon;
        result["seconds"] = clock.Elapsed.TotalSeconds;
        result["training_seconds"] = last?.Elapsed.TotalSeconds ?? 0;
        CliOutput.Print(result, json);
        monitoring?.Finish(metricsLinger);
        return ExitCodes.Success;
    }

    public static int Evaluate(string modelPath, string spec, int seed, int? count, bool json)
    {
        var model = EncoderDecoderModel.Load(modelPath);
        var test = Data(model, spec, seed, count);
        var result = new Dictionary<string, object?>();
        Add(result, "", model.Evaluate(test.Pairs));
        AddBaseline(result, test);
        CliOutput.Print(result, json);
        return ExitCodes.Success;
    }

    public static int Predict(string modelPath, string spec, int seed, int? count, bool json)
    {
        var model = EncoderDecoderModel.Load(modelPath);
        var data = Data(model, spec, seed, count, targetOptional: true);
        var outputs = model.Decode(data.Pairs.Select(p => p.Source).ToArray());
        string Text(IEnumerable<int> ids, IReadOnlyList<string> symbols) => string.Join(' ', ids.Select(id => symbols[id]));
        if (json)
        {
            // A line read without its target (an empty one) has neither target nor correctness.
            var rows = data.Pairs.Select((p, i) => new Dictionary<string, object?>
            {
                ["record"] = i,
                ["source"] = p.Source.Select(id => model.SourceSymbols[id]).ToArray(),
                ["output"] = outputs[i].Select(id => model.TargetSymbols[id]).ToArray(),
                ["target"] = p.Target.Length == 0 ? null : p.Target.Select(id => model.TargetSymbols[id]).ToArray(),
                ["correct"] = p.Target.Length == 0 ? null : outputs[i].AsSpan().SequenceEqual(p.Target),
            }).ToArray();
            CliOutput.Print(new Dictionary<string, object?> { ["engine"] = "managed", ["predictions"] = rows }, json: true);
            return ExitCodes.Success;
        }
        for (var i = 0; i < outputs.Length; i++)
        {
            var p = data.Pairs[i];
            var mark = p.Target.Length == 0 || outputs[i].AsSpan().SequenceEqual(p.Target) ? "" : $"\t(expected {Text(p.Target, model.TargetSymbols)})";
            Console.WriteLine($"{i}\t{Text(p.Source, model.SourceSymbols)}\t->\t{Text(outputs[i], model.TargetSymbols)}{mark}");
        }
        return ExitCodes.Success;
    }

    public static int Export(string modelPath, string? onnxPath, string? mlnetPath)
    {
        if (onnxPath is null && mlnetPath is null)
            throw new ArgumentException("export needs --onnx FILE (an encoder–decoder writes FILE's stem .encoder.onnx and .decoder.onnx), --mlnet FILE.zip or both.");
        var model = EncoderDecoderModel.Load(modelPath);
        if (onnxPath is not null)
        {
            var (encoder, decoder) = model.ExportOnnx(onnxPath);
            Console.WriteLine(Path.GetFullPath(encoder));
            Console.WriteLine(Path.GetFullPath(decoder));
        }
        if (mlnetPath is not null)
        {
            // Input column Tokens (the source symbols as text), output PredictedLabel (the greedy decoding as keys).
            MLNetModelExport.Save(model, mlnetPath);
            Console.WriteLine(Path.GetFullPath(mlnetPath));
        }
        return ExitCodes.Success;
    }

    // A JSONL file of pairs encoded with the model's symbols, or a built-in task's test split, whose symbols must be
    // the model's. Only predictions may leave out the targets.
    private static PairDataset Data(EncoderDecoderModel model, string spec, int seed, int? count, bool targetOptional = false)
    {
        if (spec.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            return PairJsonlReader.Read(spec, model.SourceSymbols, model.TargetSymbols, count, targetOptional).Data;
        if (!PairDataset.IsPairTask(spec))
            throw new ArgumentException($"'{spec}': an encoder–decoder model reads a built-in pair task (reverse:N) or a .jsonl file of pairs.");
        var test = PairDataset.LoadTask(spec, seed, count is int n ? Math.Max(1, n) : null, count).Test;
        if (!test.SourceSymbols.SequenceEqual(model.SourceSymbols) || !test.TargetSymbols.SequenceEqual(model.TargetSymbols))
            throw new ArgumentException($"'{spec}' does not fit the model: its symbols differ from those the model was trained on.");
        return test;
    }

    private static void Add(Dictionary<string, object?> result, string prefix, EncoderDecoderEvaluation evaluation)
    {
        result[prefix + "count"] = evaluation.Count;
        result[prefix + "loss"] = evaluation.Loss;
        result[prefix + "token_accuracy"] = evaluation.TokenAccuracy;
        result[prefix + "sequence_accuracy"] = evaluation.SequenceAccuracy;
    }

    // Copying the input unchanged, scored on the same pairs (when sources and targets share their symbols).
    private static void AddBaseline(Dictionary<string, object?> result, PairDataset data)
    {
        if (!data.SourceSymbols.SequenceEqual(data.TargetSymbols))
            return;
        var (token, sequence) = EncoderDecoderEvaluation.Accuracies(data.Pairs.Select(p => p.Source).ToArray(),
            data.Pairs.Select(p => p.Target).ToArray());
        result["baseline"] = "copy the input";
        result["baseline_token_accuracy"] = token;
        result["baseline_sequence_accuracy"] = sequence;
    }
}
