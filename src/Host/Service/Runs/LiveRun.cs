using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Gradients;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// What the service knows of a run while this process trains it: progress, the recent gradient history, the steps
/// not yet stored, and the switch to cancel it. Each step's one record, made by the monitor (which also hands it to
/// the metrics), goes as it is to all three. Fed on the training thread, read by requests.
/// </summary>
internal sealed class LiveRun : ITrainingObserver, IDisposable
{
    private readonly GradientMonitor _monitor;
    private readonly CancellationTokenSource _cancel;
    private readonly CancellationTokenSource _stopNow = new();
    private readonly Lock _gate = new();
    private LiveProgress _progress;
    private List<GradientRecord> _unsaved = [];

    public LiveRun(long id, string name, int epochs, TrainingMetrics metrics, int historySteps, CancellationToken stopping)
    {
        Id = id;
        _monitor = new GradientMonitor(metrics, name);
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping, _stopNow.Token);
        History = new GradientHistory(historySteps);
        _progress = new LiveProgress(epochs, 0, 0, null, null);
    }

    public long Id { get; }

    public GradientHistory History { get; }

    /// <summary>Cancelled by a user's request or by the service shutting down.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>
    /// Cancelled by a user's request or a lost lease, not by a shutdown: these stop the run within a training step,
    /// while a shutdown lets the step finish and checkpoints it.
    /// </summary>
    public CancellationToken CancelToken => _stopNow.Token;

    /// <summary>True once a user asked to cancel; a shutdown alone leaves the run resumable.</summary>
    public bool CancelRequested { get; private set; }

    public LiveProgress Progress
    {
        get
        {
            lock (_gate)
                return _progress;
        }
    }

    /// <summary>True once the run's lease was lost: another worker may hold it now, so this one stops without recording.</summary>
    public bool Abandoned { get; private set; }

    /// <summary>True once training has stopped, whatever the outcome.</summary>
    public bool Ended { get; private set; }

    public void MarkEnded() => Ended = true;

    public void RequestCancel()
    {
        CancelRequested = true;
        Cancel();
    }

    /// <summary>Stops training a run this worker no longer holds (fleet mode).</summary>
    public void Abandon()
    {
        Abandoned = true;
        Cancel();
    }

    private void Cancel()
    {
        try
        {
            _stopNow.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended just before the request arrived; there is nothing left to cancel.
        }
    }

    public void OnStep(StepReport step)
    {
        var record = _monitor.Observe(step);
        History.Add(record);
        lock (_gate)
        {
            _unsaved.Add(record);
            _progress = _progress with
            {
                BatchInEpoch = step.BatchInEpoch,
                BatchesPerEpoch = step.BatchesPerEpoch,
                Last = record,
                LastLog10VanishingRatio = _monitor.LastLog10VanishingRatio,
            };
        }
    }

    public void OnEpoch(EpochReport epoch) => _monitor.OnEpoch(epoch);

    /// <summary>The records made since the last call, for the store.</summary>
    public List<GradientRecord> TakeUnsaved()
    {
        lock (_gate)
        {
            var taken = _unsaved;
            _unsaved = [];
            return taken;
        }
    }

    public void Dispose()
    {
        _cancel.Dispose();
        _stopNow.Dispose();
    }
}

/// <summary>A run's position and its latest gradient record.</summary>
/// <param name="Epochs">Epochs the run trains for.</param>
/// <param name="BatchInEpoch">The last step's batch within its epoch, from 1.</param>
/// <param name="BatchesPerEpoch">Batches in an epoch.</param>
/// <param name="Last">The last step's record; null before the first step.</param>
/// <param name="LastLog10VanishingRatio">The last defined vanishing ratio (a step without one keeps it).</param>
internal sealed record LiveProgress(
    int Epochs,
    int BatchInEpoch,
    int BatchesPerEpoch,
    GradientRecord? Last,
    double? LastLog10VanishingRatio)
{
    /// <summary>The last step, 0 before the first.</summary>
    public long Step => Last?.Step ?? 0;

    /// <summary>The last step's epoch, 0 before the first step.</summary>
    public int Epoch => Last?.Epoch ?? 0;

    /// <summary>The run's clip rate as the trainer counts it (a run resumed from a checkpoint reports the whole run's).</summary>
    public double ClipRate => Last?.ClipRate ?? 0;
}
