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
using Recurrent.Host.Service.Store.Postgres;
using Recurrent.Trainer;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// Trains one run on the calling thread: rebuilds its data from the stored request, resumes from its checkpoint
/// when there is one, writes a checkpoint every N steps and every epoch, and records the outcome. A shutdown sends
/// the run back to the queue after its last checkpoint; a user's cancel ends it. Every write for the run carries the
/// lease of the claim (<see cref="RunLease"/>): once the run is no longer this worker's, nothing more is written and
/// training stops. A failure never deletes the checkpoint: only a run that succeeded or was cancelled gives it up.
/// </summary>
internal sealed class RunExecutor(
    RunStore runs,
    RunData runData,
    GradientStore gradients,
    DataDirectory data,
    ArtifactStore artifacts,
    LiveRuns live,
    Workers.FleetHealth fleet,
    UnrecordedEnds unrecorded,
    TrainingHold hold,
    RunCheckpoints checkpoints,
    TrainingMetrics metrics,
    IOptions<ServiceOptions> options,
    ILogger<RunExecutor> log,
    EncoderDecoderRunTrainer encoderDecoder)
{
    public void Execute(RunRecord run, CancellationToken stopping)
    {
        var lease = RunLease.Of(run);
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
            End(lease, RunStates.Failed, run.Step, run.Epoch, $"the stored request is not valid: {e.Message}", null);
            return;
        }
        using var liveRun = new LiveRun(run.Id, run.Name, trainerOptions.Epochs, metrics, options.Value.GradientHistorySteps, stopping);
        live.Add(liveRun);
        var shutdown = false;
        var lost = false;
        var outcome = RunStates.Failed; // what recurrent_run_info reports once the run ends
        long step = run.Step;
        var epoch = run.Epoch;
        metrics.RunStarted(run.Name);
        try
        {
            var clock = Stopwatch.StartNew();
            if (encoderDecoder.Applies(request))
            {
                (step, epoch, var encoderDecoderResult) = encoderDecoder.Train(run, lease, request, trainerOptions, liveRun, clock);
                outcome = End(lease, RunStates.Succeeded, step, epoch, null, encoderDecoderResult);
                log.LogInformation("Run {Id} ({Name}) ended {State} after {Steps} steps", run.Id, run.Name, outcome, step);
                return;
            }
            // On this thread, so a cancel stops the work itself (between sequences), not only the wait for it.
            var splits = runData.Load(request, liveRun.Token);
            Directory.CreateDirectory(data.RunDir(run.Id));
            var resume = checkpoints.Load(run, lease, TrainingCheckpoint.Load, c => c.FindMismatch(trainerOptions), c => c.Step);
            if (resume is not null)
                metrics.RunResumed(run.Name, resume.Step, resume.ClippedSteps, resume.NonFiniteSteps, resume.Sequences);
            if (resume is null && (run.Step > 0 || run.CheckpointStep is not null))
                runs.ResetProgress(lease); // starting over: the stored step and epochs belong to the lost attempt
            var observer = new StoreObserver(runs, lease, liveRun, hold);
            var trainer = new SequenceModelTrainer(trainerOptions);
            liveRun.Token.ThrowIfCancellationRequested();
            // The layers check the cancel between time steps too: one step of a large run can take minutes.
            using var stepCancellation = Trainer.Layers.StepCancellation.Enter(liveRun.CancelToken);
            var model = trainerOptions.MaxSteps == 0
                ? trainer.Initialize(splits.Train)
                : trainer.Fit(splits.Train, splits.Validation, observer, liveRun.Token, new CheckpointOptions
                {
                    EverySteps = options.Value.CheckpointEverySteps,
                    ResumeFrom = resume,
                    Save = checkpoint => checkpoints.Save(lease, liveRun, checkpoint.Step, checkpoint.Epoch, checkpoint.Save),
                });
            step = trainer.LastSummary?.Steps ?? 0;
            epoch = trainer.LastSummary?.Epochs ?? 0;
            model.Save(data.Model(run.Id));
            model.ExportOnnx(data.Onnx(run.Id));
            artifacts.Publish(data.Model(run.Id), lease);
            artifacts.Publish(data.Onnx(run.Id), lease);
            var result = RunResult.Describe(model, splits, trainer.LastSummary, clock.Elapsed);
            // The steps after the last checkpoint reach the store before the run is seen ended: an ended run's
            // history is read from the store alone.
            gradients.Add(lease, liveRun.TakeUnsaved());
            outcome = End(lease, RunStates.Succeeded, step, epoch, null, JsonSerializer.Serialize(result, ApiJson.Options));
            log.LogInformation("Run {Id} ({Name}) ended {State} after {Steps} steps", run.Id, run.Name, outcome, step);
        }
        catch (Exception e) when (liveRun.Abandoned || e is LeaseLostException || e.InnerException is LeaseLostException)
        {
            // The lease ran out (the database was gone too long, or this process was paused) and the run was queued
            // again or taken by another worker: whatever this worker would record now could overwrite the new holder's.
            lost = true;
            shutdown = true;
            ForgetLocalModels(run.Id);
            log.LogWarning("Run {Id} ({Name}): this worker no longer holds it (at step {Step}); it stops here and writes nothing more for it",
                run.Id, run.Name, liveRun.Progress.Step);
        }
        catch (OperationCanceledException) when (liveRun.CancelRequested)
        {
            TryStoreSteps(lease, liveRun);
            outcome = End(lease, RunStates.Cancelled, liveRun.Progress.Step, liveRun.Progress.Epoch, RunStore.CancelledByRequest, null);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            shutdown = true;
            try
            {
                if (runs.Requeue(lease, "the service shut down; the run resumes from its last checkpoint at the next start") == RunStates.Cancelled)
                    (shutdown, outcome) = (false, RunStates.Cancelled);
                log.LogInformation("Run {Id} ({Name}) checkpointed at step {Step} for shutdown", run.Id, run.Name, liveRun.Progress.Step);
            }
            catch (LeaseLostException)
            {
                lost = true;
            }
        }
        catch (Exception e) when (fleet.Problem is not null || PgOutage.Is(e))
        {
            // The fleet's database went away under the run: nothing can be recorded, and the run is not at fault.
            // Only an outage (PgOutage, the meaning the API's 503 has): a statement the database refuses would be
            // refused again after every resume, requeueing the run for ever without counting against
            // MaxRunInterruptions; it fails the run with the database's words instead (the catch below).
            // Its lease runs out, and it resumes from its last checkpoint (here or elsewhere) once the store is back;
            // this worker, alive, is not counted as having died under it.
            shutdown = true;
            lost = true;
            log.LogError("Run {Id} ({Name}) stopped: the store cannot be reached ({Message})", run.Id, run.Name, e.Message);
        }
        catch (Exception e)
        {
            // Any exception, OutOfMemoryException included (an allocation too large for the machine leaves the
            // process able to go on): a run left "running" by a fault would wedge its slot and come back after
            // every restart. Its checkpoint stays: a failure never deletes one.
            var message = StorageHealth.IsDiskFull(e)
                ? $"the data directory's disk filled up while the run trained ({e.Message})"
                : e is ApiProblemException or ArgumentException or InvalidDataException or NonFiniteGradientException
                    or Trainer.Data.DataFormatException
                    ? e.Message
                    : $"{e.GetType().Name}: {e.Message}";
            TryStoreSteps(lease, liveRun);
            outcome = End(lease, RunStates.Failed, liveRun.Progress.Step, liveRun.Progress.Epoch, data.Relative(message), null);
            log.LogError(e, "Run {Id} ({Name}) failed", run.Id, run.Name);
        }
        finally
        {
            liveRun.MarkEnded();
            // A run going back to the queue stays exported, so its series do not blink out across a restart; one this
            // worker lost goes on elsewhere, so its series leave this worker's /metrics now.
            if (liveRun.Abandoned || lost)
                metrics.RunLeft(run.Name);
            else if (!shutdown)
                metrics.RunFinished(run.Name, outcome);
        }
    }

    /// <summary>
    /// Records how the run ended and returns the state recorded (a cancel that came first makes it cancelled). A
    /// store that refuses the write (a full disk) gets it again every second until it takes it; meanwhile reads show
    /// the end. A run that succeeded or was cancelled gives up its checkpoint; a failed one keeps it.
    /// </summary>
    private string End(RunLease lease, string state, long step, int epoch, string? error, string? resultJson)
    {
        string recorded;
        try
        {
            recorded = runs.Finish(lease, state, step, epoch, error, resultJson);
        }
        catch (Exception e) when (e is not LeaseLostException && (StorageHealth.IsDiskFull(e) || e is System.Data.Common.DbException))
        {
            log.LogError("Run {Id} ended {State}, but the store refused to record it ({Message}); retrying every second",
                lease.RunId, state, e.Message);
            unrecorded.Add(new UnrecordedEnd(lease, state, step, epoch, error, resultJson, DateTimeOffset.UtcNow));
            return state;
        }
        if (recorded != RunStates.Failed)
            DeleteCheckpoint(lease.RunId);
        return recorded;
    }

    // Before a failed or cancelled run is recorded: its last steps (the non-finite one, say) are what its events
    // and history show. A store that refuses them (a full disk) must not keep the end from being recorded.
    private void TryStoreSteps(RunLease lease, LiveRun liveRun)
    {
        try
        {
            gradients.Add(lease, liveRun.TakeUnsaved());
        }
        catch (Exception e)
        {
            log.LogWarning("Run {Id}: its last steps could not be stored ({Message})", lease.RunId, e.Message);
        }
    }

    // A run that succeeded or was cancelled never resumes, so its checkpoint (and any half-written file) is only disk
    // used. It has ended: no worker writes it again, so the store's copy can go too.
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            log.LogWarning("Run {Id}: could not delete its checkpoint ({Message})", runId, e.Message);
        }
    }

    // The models this worker wrote for a run it lost are not the run's: another worker writes (and publishes) those.
    private void ForgetLocalModels(long runId)
    {
        foreach (var path in new[] { data.Model(runId), data.Onnx(runId) })
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.LogWarning("Run {Id}: could not delete {Path} ({Message})", runId, path, e.Message);
            }
        }
    }

    /// <summary>Feeds the live view, stores each epoch's figures, and pauses where <see cref="TrainingHold"/> says.</summary>
    internal sealed class StoreObserver(RunStore runs, RunLease lease, LiveRun live, TrainingHold hold) : ITrainingObserver
    {
        public void OnStep(StepReport step)
        {
            live.OnStep(step);
            hold.AtStep(step.Step, live.Token);
        }

        public void OnEpoch(EpochReport epoch)
        {
            live.OnEpoch(epoch);
            runs.RecordEpoch(lease, new EpochRecord(epoch.Epoch, epoch.Steps, epoch.TrainLoss, epoch.TrainAccuracy,
                epoch.ValidationLoss, epoch.ValidationAccuracy, epoch.LearningRate));
        }
    }
}
