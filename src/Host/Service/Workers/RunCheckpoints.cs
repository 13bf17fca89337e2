using Microsoft.Extensions.Logging;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Training;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// A run's checkpoint file in the data directory, for every kind of run: taken under the run's lease in an order a
/// kill cannot break, and resumed only when it is intact and was taken with the run's own options.
/// </summary>
internal sealed class RunCheckpoints(
    RunStore runs,
    GradientStore gradients,
    DataDirectory data,
    ArtifactStore artifacts,
    TrainingHold hold,
    ILogger<RunCheckpoints> log)
{
    /// <summary>
    /// Takes the checkpoint of <paramref name="step"/> that <paramref name="write"/> writes to the path it is given.
    /// A worker that lost the run writes nothing for it, not even the checkpoint taken as it stops.
    /// </summary>
    public void Save(RunLease lease, LiveRun liveRun, long step, int epoch, Action<string> write)
    {
        if (liveRun.Abandoned)
            return;
        // Steps are stored before the checkpoint that moves past them: a crash in between makes the resumed run
        // train and store them again, never skip them.
        gradients.Add(lease, liveRun.TakeUnsaved());
        // Replaced so that a kill at any moment leaves a checkpoint whose digest the store vouches for.
        artifacts.Replace(data.Checkpoint(lease.RunId), lease, write, point => hold.AtCheckpoint(step, point, liveRun.Token));
        runs.RecordCheckpoint(lease, step, epoch);
    }

    /// <summary>
    /// The run's checkpoint read by <paramref name="read"/>, or null (and an event saying why) when there is none,
    /// it is damaged, or <paramref name="mismatchWithThisRun"/> names an option that changes the training and differs
    /// between the checkpoint and the run (an upgrade that adds options, or a new diagnostics setting, is no mismatch).
    /// </summary>
    public T? Load<T>(RunRecord run, RunLease lease, Func<string, T> read, Func<T, CheckpointMismatch?> mismatchWithThisRun,
        Func<T, long> stepOf)
        where T : class
    {
        var path = data.Checkpoint(run.Id);
        try
        {
            // In a fleet the run may have trained on another worker since: the stored checkpoint is the latest one.
            if (!artifacts.Fetch(path))
                return null;
            var checkpoint = read(path);
            if (mismatchWithThisRun(checkpoint) is { } mismatch)
            {
                // Not this run's checkpoint (copied in, or left by another build of the request): resuming it
                // would finish someone else's model under this run's name.
                var option = TrainingOptions.JsonName(mismatch.Option);
                runs.AddEvent(lease, "checkpoint-mismatch",
                    $"{data.Relative(path)} was taken with other training options ({option} is {mismatch.InCheckpoint} " +
                    $"in the checkpoint and {mismatch.Given} in this run); training starts over");
                log.LogWarning("Run {Id}: the checkpoint was taken with {Option} {InCheckpoint}, the run has {Given}; starting over",
                    run.Id, option, mismatch.InCheckpoint, mismatch.Given);
                File.Delete(path);
                return null;
            }
            runs.AddEvent(lease, "resumed", $"resumed from the checkpoint at step {stepOf(checkpoint)}");
            return checkpoint;
        }
        catch (Exception e) when (e is InvalidDataException or DamagedFileException)
        {
            // Replaced in a kill-safe order, so this is damage from outside; starting over is the only honest choice.
            runs.AddEvent(lease, "checkpoint-unreadable", $"{data.Relative(e.Message)}; training starts over");
            log.LogWarning("Run {Id}: checkpoint unreadable ({Message}); starting over", run.Id, e.Message);
            return null;
        }
    }
}
