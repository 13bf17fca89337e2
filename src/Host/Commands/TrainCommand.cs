using System.CommandLine;
using System.Diagnostics;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Commands;

/// <summary>`recurrent train`: loads data, trains, evaluates, writes the model (and ONNX).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var options = new TrainOptions();
        var command = new Command("train", "Train a recurrent sequence model by BPTT and write the model.");
        options.AddTo(command);
        command.SetAction(parse => ExitCodes.Guard(() => Run(parse, options)));
        return command;
    }

    private static int Run(ParseResult parse, TrainOptions o)
    {
        var json = parse.GetValue(o.Json);
        var (trainerOptions, dataOptions) = o.ToOptions(parse);
        if (PairDataset.IsPairTask(parse.GetRequiredValue(o.Data)))
            return EncoderDecoderCommands.Train(parse.GetRequiredValue(o.Data), trainerOptions, dataOptions,
                parse.GetRequiredValue(o.Out), parse.GetValue(o.Onnx), json, parse.GetValue(o.Valid) is not null || parse.GetValue(o.Test) is not null,
                parse.GetValue(o.MetricsPort), parse.GetValue(o.MetricsLinger));
        var clock = Stopwatch.StartNew();
        var outPath = parse.GetRequiredValue(o.Out);
        // Ctrl+C stops the load between sequences and a training step between its time steps (a step of a long
        // sequence through a wide network can take minutes); nothing is written then. A second Ctrl+C ends the process.
        using var cancel = new ConsoleCancellation();
        dataOptions.Cancellation = cancel.Token;
        DatasetSplits splits;
        try
        {
            splits = DatasetLoader.Load(parse.GetRequiredValue(o.Data), parse.GetValue(o.Valid), parse.GetValue(o.Test),
                dataOptions);
        }
        catch (OperationCanceledException) when (cancel.Token.IsCancellationRequested)
        {
            return Cancelled(outPath, "while loading the data");
        }
        var observers = new List<ITrainingObserver>();
        if (!json)
        {
            Console.WriteLine($"data: {splits.Train.Count} training sequences from {splits.Train.Name}" +
                (splits.Validation is { } v ? $", {v.Count} validation" : "") +
                (splits.Test is { } t ? $", {t.Count} test" : ""));
        }
        using var monitoring = CliMonitoring.Start(parse.GetValue(o.MetricsPort), Path.GetFileNameWithoutExtension(outPath));
        // The run's one monitor records the metrics (with --metrics-port); the progress line feeds it and reads it.
        if (!json)
            observers.Add(new ProgressReporter(Console.Out, trainerOptions.Epochs, !Console.IsOutputRedirected, monitor: monitoring?.Monitor));
        else if (monitoring is not null)
            observers.Add(monitoring.Monitor);
        var trainer = new SequenceModelTrainer(trainerOptions);
        var progress = new CompletedSteps();
        observers.Add(progress);
        SequenceModel model;
        try
        {
            // Named for this thread's passes only while it trains: the evaluations after the model is written run whole.
            using var stepCancellation = StepCancellation.Enter(cancel.Token);
            if (trainerOptions.MaxSteps == 0)
                model = trainer.Initialize(splits.Train);
            else
                model = trainer.Fit(splits.Train, splits.Validation, new CompositeObserver(observers), cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.Token.IsCancellationRequested)
        {
            if (!json && !Console.IsOutputRedirected)
                Console.WriteLine(); // ends the progress bar's line
            return Cancelled(outPath, $"after {progress.Count} completed steps");
        }
        model.Save(outPath);
        var onnx = parse.GetValue(o.Onnx);
        if (onnx is not null)
            model.ExportOnnx(onnx);
        var summary = trainer.LastSummary;
        var trainEval = model.Evaluate(splits.Train);
        var validEval = splits.Validation is { } valid ? model.Evaluate(valid) : null;
        var testEval = splits.Test is { } test ? model.Evaluate(test) : null;
        var result = new Dictionary<string, object?>
        {
            ["model"] = Path.GetFullPath(outPath),
            ["onnx"] = onnx is null ? null : Path.GetFullPath(onnx),
            ["train_loss"] = summary?.FinalTrainLoss ?? trainEval.Loss,
            ["train_accuracy"] = trainEval.Accuracy,
        };
        AddEvaluation(result, "valid", validEval);
        AddEvaluation(result, "test", testEval);
        // A language model's and a tagger's own figures, and the baseline a built-in task is judged against.
        result["test_bits_per_step"] = testEval?.BitsPerStep;
        result["test_span_f1"] = testEval?.Spans?.F1;
        result["baseline_loss"] = splits.Baseline?.CrossEntropy;
        result["epochs"] = summary?.Epochs ?? 0;
        result["steps"] = summary?.Steps ?? 0;
        result["clipped_steps"] = summary?.ClippedSteps ?? 0;
        result["nonfinite_steps"] = summary?.NonFiniteSteps ?? 0;
        result["stopped_early"] = summary?.StoppedEarly ?? false;
        result["seconds"] = clock.Elapsed.TotalSeconds;
        result["training_seconds"] = summary?.Duration.TotalSeconds ?? 0;
        result["sequences_per_second"] = summary?.SequencesPerSecond ?? 0;
        CliOutput.Print(result, json);
        monitoring?.Finish(parse.GetValue(o.MetricsLinger));
        return ExitCodes.Success;
    }

    internal static int Cancelled(string outPath, string when)
    {
        Console.Error.WriteLine($"recurrent: training cancelled (Ctrl+C) {when}; nothing was written to {outPath}");
        return ExitCodes.Cancelled;
    }

    /// <summary>Counts the training steps that completed, for the message of a cancelled run.</summary>
    internal sealed class CompletedSteps : ITrainingObserver
    {
        public long Count { get; private set; }

        public void OnStep(StepReport step) => Count++;

        public void OnEpoch(EpochReport epoch) { }
    }

    private static void AddEvaluation(Dictionary<string, object?> result, string name, Evaluation? evaluation)
    {
        if (evaluation is null)
            return;
        result[$"{name}_loss"] = evaluation.Loss;
        if (evaluation.Accuracy is double accuracy)
            result[$"{name}_accuracy"] = accuracy;
        if (evaluation.MeanSquaredError is double mse)
            result[$"{name}_mse"] = mse;
    }
}
