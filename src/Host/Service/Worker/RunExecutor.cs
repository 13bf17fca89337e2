using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recurrent.Diagnostics;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Live;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Worker;

/// <summary>
/// Trains one run on the calling thread: rebuilds its data from the stored request, resumes from its checkpoint
/// when there is one, writes a checkpoint every N steps and every epoch, and records the outcome. A shutdown sends
/// the run back to the queue after its last checkpoint; a user's cancel ends it.
/// </summary>
internal sealed class RunExecutor(
    RunStore runs,
    RunData runData,
    GradientStore gradients,
    DataDirectory data,
    LiveRuns live,
    TrainingMetrics metrics,
    IOptions<ServiceOptions> options,
    ILogger<RunExecutor> log)
{
    public void Execute(RunRecord run, CancellationToken stopping)
    {
        RunRequest request;
        SequenceClassifierOptions trainerOptions;
        try
        {
            request = JsonSerializer.Deserialize<RunRequest>(run.Request, ApiJson.Options)!;
            trainerOptions = RunRequestMapper.ToTrainerOptions(request);
        }
        catch (Exception e) when (e is JsonException or BadRequestException)
        {
            // Checked at creation, so only a store edited by hand (or a future incompatible change) gets here.
            runs.Finish(run.Id, RunStates.Failed, run.Step, run.Epoch, $"the stored request is not valid: {e.Message}", null);
            return;
        }
        using var liveRun = new LiveRun(run.Id, run.Name, trainerOptions.Epochs, metrics, options.Value.GradientHistorySteps, stopping);
        live.Add(liveRun);
        var shutdown = false;
        var outcome = RunStates.Failed; // what recurrent_run_info reports once the run ends
        long step = run.Step;
        var epoch = run.Epoch;
        metrics.RunStarted(run.Name);
        try
        {
            var clock = Stopwatch.StartNew();
            var splits = runData.Load(request);
            Directory.CreateDirectory(data.RunDir(run.Id));
            var resume = LoadCheckpoint(run);
            var observer = new StoreObserver(runs, run.Id, liveRun);
            var trainer = new SequenceClassifierTrainer(trainerOptions);
            var checkpointPath = data.Checkpoint(run.Id);
            var model = trainerOptions.MaxSteps == 0
                ? trainer.Initialize(splits.Train)
                : trainer.Fit(splits.Train, splits.Validation, observer, liveRun.Token, new CheckpointOptions
                {
                    EverySteps = options.Value.CheckpointEverySteps,
                    ResumeFrom = resume,
                    Save = checkpoint =>
                    {
                        // Steps are stored before the checkpoint that moves past them: a crash in between makes
                        // the resumed run train and store them again, never skip them.
                        gradients.Add(run.Id, liveRun.TakeUnsaved());
                        checkpoint.Save(checkpointPath);
                        runs.RecordCheckpoint(run.Id, checkpoint.Step, checkpoint.Epoch);
                    },
                });
            step = trainer.LastSummary?.Steps ?? 0;
            epoch = trainer.LastSummary?.Epochs ?? 0;
            model.Save(data.Model(run.Id));
            model.ExportOnnx(data.Onnx(run.Id));
            var result = RunResult.Describe(model, splits, trainer.LastSummary, clock.Elapsed);
            runs.Finish(run.Id, RunStates.Succeeded, step, epoch, null, JsonSerializer.Serialize(result, ApiJson.Options));
            outcome = RunStates.Succeeded;
            File.Delete(checkpointPath);
            log.LogInformation("Run {Id} ({Name}) succeeded after {Steps} steps", run.Id, run.Name, step);
        }
        catch (OperationCanceledException) when (liveRun.CancelRequested)
        {
            runs.Finish(run.Id, RunStates.Cancelled, liveRun.Progress.Step, liveRun.Progress.Epoch, "cancelled by request", null);
            outcome = RunStates.Cancelled;
            File.Delete(data.Checkpoint(run.Id));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            shutdown = true;
            runs.Requeue(run.Id, "the service shut down; the run resumes from its last checkpoint at the next start");
            log.LogInformation("Run {Id} ({Name}) checkpointed at step {Step} for shutdown", run.Id, run.Name, liveRun.Progress.Step);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var message = e is BadRequestException or ArgumentException or InvalidDataException or NonFiniteGradientException
                or Trainer.Data.DataFormatException
                ? e.Message
                : $"{e.GetType().Name}: {e.Message}";
            runs.Finish(run.Id, RunStates.Failed, liveRun.Progress.Step, liveRun.Progress.Epoch, message, null);
            log.LogError(e, "Run {Id} ({Name}) failed", run.Id, run.Name);
        }
        finally
        {
            gradients.Add(run.Id, liveRun.TakeUnsaved());
            // A run going back to the queue stays exported, so its series do not blink out across a restart.
            if (!shutdown)
                metrics.RunFinished(run.Name, outcome);
        }
    }

    private TrainingCheckpoint? LoadCheckpoint(RunRecord run)
    {
        var path = data.Checkpoint(run.Id);
        if (!File.Exists(path))
            return null;
        try
        {
            var checkpoint = TrainingCheckpoint.Load(path);
            runs.AddEvent(run.Id, "resumed", $"resumed from the checkpoint at step {checkpoint.Step}");
            return checkpoint;
        }
        catch (InvalidDataException e)
        {
            // Written atomically, so this is damage from outside; starting over is the only honest choice.
            runs.AddEvent(run.Id, "checkpoint-unreadable", $"{e.Message}; training starts over");
            log.LogWarning("Run {Id}: checkpoint unreadable ({Message}); starting over", run.Id, e.Message);
            return null;
        }
    }

    /// <summary>Feeds the live view and stores each epoch's figures.</summary>
    private sealed class StoreObserver(RunStore runs, long runId, LiveRun live) : ITrainingObserver
    {
        public void OnStep(StepReport step) => live.OnStep(step);

        public void OnEpoch(EpochReport epoch)
        {
            live.OnEpoch(epoch);
            runs.RecordEpoch(runId, new EpochRecord(epoch.Epoch, epoch.Steps, epoch.TrainLoss, epoch.TrainAccuracy,
                epoch.ValidationLoss, epoch.ValidationAccuracy, epoch.LearningRate));
        }
    }
}
