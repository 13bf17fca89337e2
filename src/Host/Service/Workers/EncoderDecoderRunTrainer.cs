using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// The training part of <see cref="RunExecutor"/> for a run that trains an encoder–decoder
/// (<see cref="EncoderDecoderRuns"/>): the same live view, step reports, epochs, checkpoints (every N steps, every
/// epoch, on a shutdown or cancel; resumed when the options match) and store writes under the run's lease; it
/// leaves the model file (format 4) and the two ONNX graphs, <c>model.encoder.onnx</c> and <c>model.decoder.onnx</c>
/// beside <see cref="DataDirectory.Onnx"/>. The executor records the end, as for any run.
/// </summary>
internal sealed class EncoderDecoderRunTrainer(
    RunStore runs,
    DatasetStore datasets,
    GradientStore gradients,
    DataDirectory data,
    ArtifactStore artifacts,
    TrainingHold hold,
    RunCheckpoints checkpoints,
    TrainingMetrics metrics,
    IOptions<ServiceOptions> options)
{
    /// <summary>Whether the run's request trains an encoder–decoder.</summary>
    public bool Applies(RunRequest request) => EncoderDecoderRuns.Applies(request, datasets);

    /// <summary>Trains the run; returns its steps, epochs and the result to record.</summary>
    public (long Step, int Epoch, string Result) Train(RunRecord run, RunLease lease, RunRequest request,
        SequenceModelOptions trainerOptions, LiveRun liveRun, System.Diagnostics.Stopwatch clock)
    {
        var (train, validation, test) = EncoderDecoderRuns.Load(request, datasets, data, artifacts);
        Directory.CreateDirectory(data.RunDir(run.Id));
        var resume = checkpoints.Load(run, lease, EncoderDecoderCheckpoint.Load, c => c.FindMismatch(trainerOptions), c => c.Step);
        if (resume is not null)
            metrics.RunResumed(run.Name, resume.Step, resume.ClippedSteps, resume.NonFiniteSteps, resume.Sequences);
        else if (run.Step > 0 || run.CheckpointStep is not null)
            runs.ResetProgress(lease);
        var observer = new RunExecutor.StoreObserver(runs, lease, liveRun, hold);
        liveRun.Token.ThrowIfCancellationRequested();
        using var stepCancellation = Trainer.Layers.StepCancellation.Enter(liveRun.CancelToken);
        var trainer = new EncoderDecoderTrainer(trainerOptions);
        EncoderDecoderEpoch? last = null;
        var model = trainerOptions.MaxSteps == 0
            ? trainer.Initialize(train)
            : trainer.Fit(train, validation, epoch => last = epoch, liveRun.Token, observer, new EncoderDecoderCheckpoints
            {
                EverySteps = options.Value.CheckpointEverySteps,
                ResumeFrom = resume,
                Save = checkpoint => checkpoints.Save(lease, liveRun, checkpoint.Step, checkpoint.Epoch, checkpoint.Save),
            });
        var step = last?.Steps ?? resume?.Step ?? 0;
        var epoch = last?.Epoch ?? resume?.Epoch ?? 0;
        model.Save(data.Model(run.Id));
        var (encoder, decoder) = model.ExportOnnx(data.Onnx(run.Id));
        foreach (var path in new[] { data.Model(run.Id), encoder, decoder })
            artifacts.Publish(path, lease);
        var result = Describe(model, validation, test, last, step, epoch, clock.Elapsed);
        gradients.Add(lease, liveRun.TakeUnsaved());
        return (step, epoch, JsonSerializer.Serialize(result, ApiJson.Options));
    }

    /// <summary>The run's two ONNX graphs, beside the path a sequence model's single graph has.</summary>
    public static (string Encoder, string Decoder) OnnxPaths(DataDirectory data, long runId) =>
        EncoderDecoderOnnxExport.Paths(data.Onnx(runId));

    /// <summary>
    /// The run's result in a sequence model's names where they mean the same: the losses teacher-forced, the
    /// accuracies greedy decoding's token accuracy, the sequence accuracies and the copying baseline beside them.
    /// </summary>
    private static RunResult Describe(EncoderDecoderModel model, PairDataset validation, PairDataset test,
        EncoderDecoderEpoch? last, long steps, int epochs, TimeSpan elapsed)
    {
        var valid = model.Evaluate(validation.Pairs);
        var tested = model.Evaluate(test.Pairs);
        // Copying the input is a baseline only where sources and targets share their symbols.
        double? baselineToken = null, baselineSequence = null;
        if (test.SourceSymbols.SequenceEqual(test.TargetSymbols))
            (baselineToken, baselineSequence) = EncoderDecoderEvaluation.Accuracies(
                test.Pairs.Select(p => p.Source).ToArray(), test.Pairs.Select(p => p.Target).ToArray());
        return new RunResult(Finite(last?.TrainLoss), null, Finite(valid.Loss), valid.TokenAccuracy, Finite(tested.Loss),
            tested.TokenAccuracy, steps, epochs, last?.ClippedSteps ?? 0, last?.NonFiniteSteps ?? 0, false, elapsed.TotalSeconds,
            valid.SequenceAccuracy, tested.SequenceAccuracy, baselineToken, baselineSequence);
    }

    private static double? Finite(double? value) => value is double v && double.IsFinite(v) ? v : null;
}
