using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Workers;

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
    ArtifactStore artifacts,
    LiveRuns live,
    Workers.FleetHealth fleet,
    TrainingMetrics metrics,
    IOptions<ServiceOptions> options,
    ILogger<RunExecutor> log)
{
    public void Execute(RunRecord run, CancellationToken stopping)
    {
        RunRequest request;
        SequenceModelOptions trainerOptions;
        try
        {
            request = JsonSerializer.Deserialize<RunRequest>(run.Request, ApiJson.Options)!;
            trainerOptions = RunRequestMapper.ToTrainerOptions(request);
        }
        catch (Exception e) when (e is JsonException or BadRequestException)
        {
            // Checked at creation, so only a store edited by hand (or a future incompatible change) gets here.
            runs.Finish(run.Id, RunStates.Failed, run.Step, run.Epoch, $"the stored request is not valid: {e.Message}", null);
            DeleteCheckpoint(run.Id);
            return;
        }
        using var liveRun = new LiveRun(run.Id, run.Name, trainerOptions.Epochs, metrics, options.Value.GradientHistorySteps, stopping);
        live.Add(liveRun);
        var shutdown = false;
        var abandoned = false;
        var outcome = RunStates.Failed; // what recurrent_run_info reports once the run ends
        long step = run.Step;
        var epoch = run.Epoch;
        metrics.RunStarted(run.Name);
        try
        {
            var clock = Stopwatch.StartNew();
            var splits = runData.Load(request);
            Directory.CreateDirectory(data.RunDir(run.Id));
            var resume = LoadCheckpoint(run, trainerOptions);
            if (resume is not null)
                metrics.RunResumed(run.Name, resume.Step, resume.ClippedSteps, resume.NonFiniteSteps, resume.Sequences);
            if (resume is null && (run.Step > 0 || run.CheckpointStep is not null))
                runs.ResetProgress(run.Id); // starting over: the stored step and epochs belong to the lost attempt
            var observer = new StoreObserver(runs, run.Id, liveRun);
            var trainer = new SequenceModelTrainer(trainerOptions);
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
                        artifacts.Publish(checkpointPath);
                        runs.RecordCheckpoint(run.Id, checkpoint.Step, checkpoint.Epoch);
                    },
                });
            step = trainer.LastSummary?.Steps ?? 0;
            epoch = trainer.LastSummary?.Epochs ?? 0;
            model.Save(data.Model(run.Id));
            model.ExportOnnx(data.Onnx(run.Id));
            artifacts.Publish(data.Model(run.Id));
            artifacts.Publish(data.Onnx(run.Id));
            var result = RunResult.Describe(model, splits, trainer.LastSummary, clock.Elapsed);
            // The steps after the last checkpoint reach the store before the run is seen ended: an ended run's
            // history is read from the store alone.
            gradients.Add(run.Id, liveRun.TakeUnsaved());
            runs.Finish(run.Id, RunStates.Succeeded, step, epoch, null, JsonSerializer.Serialize(result, ApiJson.Options));
            outcome = RunStates.Succeeded;
            File.Delete(checkpointPath);
            artifacts.Delete(checkpointPath);
            log.LogInformation("Run {Id} ({Name}) succeeded after {Steps} steps", run.Id, run.Name, step);
        }
        catch (OperationCanceledException) when (liveRun.Abandoned)
        {
            // The lease ran out (the database was gone too long): the run is queued again, or another worker holds
            // it already. Whatever this worker would record now could overwrite the new holder's state.
            shutdown = true;
            log.LogWarning("Run {Id} ({Name}): this worker lost its lease at step {Step}; it stops here", run.Id, run.Name, liveRun.Progress.Step);
        }
        catch (OperationCanceledException) when (liveRun.CancelRequested)
        {
            TryStoreSteps(run.Id, liveRun);
            runs.Finish(run.Id, RunStates.Cancelled, liveRun.Progress.Step, liveRun.Progress.Epoch, "cancelled by request", null);
            outcome = RunStates.Cancelled;
            DeleteCheckpoint(run.Id);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            shutdown = true;
            runs.Requeue(run.Id, "the service shut down; the run resumes from its last checkpoint at the next start");
            log.LogInformation("Run {Id} ({Name}) checkpointed at step {Step} for shutdown", run.Id, run.Name, liveRun.Progress.Step);
        }
        catch (Exception e) when (fleet.Problem is not null || IsStoreOutage(e))
        {
            // The fleet's database went away under the run: nothing can be recorded, and the run is not at fault.
            // Its lease runs out, and it resumes from its last checkpoint (here or elsewhere) once the store is back.
            shutdown = true;
            abandoned = true;
            log.LogError("Run {Id} ({Name}) stopped: the store cannot be reached ({Message})", run.Id, run.Name, e.Message);
        }
        catch (Exception e)
        {
            // Any exception, OutOfMemoryException included (an allocation too large for the machine leaves the
            // process able to go on): a run left "running" by a fault would wedge its slot and come back after
            // every restart.
            var message = StorageHealth.IsDiskFull(e)
                ? $"the data directory's disk filled up while the run trained ({e.Message})"
                : e is BadRequestException or ArgumentException or InvalidDataException or NonFiniteGradientException
                    or Trainer.Data.DataFormatException
                    ? e.Message
                    : $"{e.GetType().Name}: {e.Message}";
            TryStoreSteps(run.Id, liveRun);
            runs.Finish(run.Id, RunStates.Failed, liveRun.Progress.Step, liveRun.Progress.Epoch, data.Relative(message), null);
            DeleteCheckpoint(run.Id);
            log.LogError(e, "Run {Id} ({Name}) failed", run.Id, run.Name);
        }
        finally
        {
            liveRun.MarkEnded();
            if (!liveRun.Abandoned && !abandoned)
                gradients.Add(run.Id, liveRun.TakeUnsaved());
            // A run going back to the queue stays exported, so its series do not blink out across a restart; one this
            // worker lost goes on elsewhere, so its series leave this worker's /metrics now.
            if (liveRun.Abandoned || abandoned)
                metrics.RunLeft(run.Name);
            else if (!shutdown)
                metrics.RunFinished(run.Name, outcome);
        }
    }

    // Before a failed or cancelled run is recorded: its last steps (the non-finite one, say) are what its events
    // and history show. A store that refuses them (a full disk) must not keep the failure from being recorded.
    private void TryStoreSteps(long runId, LiveRun liveRun)
    {
        try
        {
            gradients.Add(runId, liveRun.TakeUnsaved());
        }
        catch (Exception e)
        {
            log.LogWarning("Run {Id}: its last steps could not be stored ({Message})", runId, e.Message);
        }
    }

    // Only the fleet's store can go away while the process lives; SQLite errors are the run's own (a full disk).
    private static bool IsStoreOutage(Exception e) =>
        e is Npgsql.NpgsqlException || (e.InnerException is { } inner && IsStoreOutage(inner));

    private TrainingCheckpoint? LoadCheckpoint(RunRecord run, SequenceModelOptions trainerOptions)
    {
        var path = data.Checkpoint(run.Id);
        // In a fleet the run may have trained on another worker since: the stored checkpoint is the latest one.
        if (!artifacts.Fetch(path))
            return null;
        try
        {
            var checkpoint = TrainingCheckpoint.Load(path);
            if (!checkpoint.WasTakenWith(trainerOptions))
            {
                // Not this run's checkpoint (copied in, or left by another build of the request): resuming it
                // would finish someone else's model under this run's name.
                runs.AddEvent(run.Id, "checkpoint-mismatch",
                    $"{data.Relative(path)} was taken with other training options; training starts over");
                log.LogWarning("Run {Id}: the checkpoint was taken with other options; starting over", run.Id);
                File.Delete(path);
                return null;
            }
            runs.AddEvent(run.Id, "resumed", $"resumed from the checkpoint at step {checkpoint.Step}");
            return checkpoint;
        }
        catch (InvalidDataException e)
        {
            // Written atomically, so this is damage from outside; starting over is the only honest choice.
            runs.AddEvent(run.Id, "checkpoint-unreadable", $"{data.Relative(e.Message)}; training starts over");
            log.LogWarning("Run {Id}: checkpoint unreadable ({Message}); starting over", run.Id, e.Message);
            return null;
        }
    }

    // A failed or cancelled run never resumes, so its checkpoint (and any half-written file) is only disk used.
    private void DeleteCheckpoint(long runId)
    {
        try
        {
            File.Delete(data.Checkpoint(runId));
            artifacts.Delete(data.Checkpoint(runId));
            if (Directory.Exists(data.RunDir(runId)))
            {
                foreach (var temporary in Directory.EnumerateFiles(data.RunDir(runId), ".*.tmp"))
                    File.Delete(temporary);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogWarning("Run {Id}: could not delete its checkpoint ({Message})", runId, e.Message);
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
