using Recurrent.Diagnostics;
using Recurrent.Host.Service.Gradients;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// What the service knows of a run while this process trains it: progress, the latest gradient analysis, the
/// recent gradient history, and the switch to cancel it. Fed on the training thread, read by requests.
/// </summary>
internal sealed class LiveRun : ITrainingObserver, IDisposable
{
    private readonly TrainingMonitor _monitor;
    private readonly CancellationTokenSource _cancel;
    private readonly Lock _gate = new();
    private LiveProgress _progress;
    private List<GradientPoint> _unsaved = [];

    public LiveRun(long id, string name, int epochs, TrainingMetrics metrics, int historySteps, CancellationToken stopping)
    {
        Id = id;
        _monitor = new TrainingMonitor(metrics, name);
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        History = new GradientHistory(historySteps);
        _progress = new LiveProgress(0, 0, epochs, 0, 0, double.NaN, 0, null);
    }

    public long Id { get; }

    public GradientHistory History { get; }

    /// <summary>Cancelled by a user's request or by the service shutting down.</summary>
    public CancellationToken Token => _cancel.Token;

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
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended just before the request arrived; there is nothing left to cancel.
        }
    }

    public void OnStep(StepReport step)
    {
        _monitor.OnStep(step);
        var a = _monitor.LastAnalysis;
        var defined = a is { HasRatios: true };
        var point = new GradientPoint(step.Step, step.Epoch, step.Loss, step.Snapshot.PreClipNorm, step.Snapshot.Clipped,
            step.Snapshot.NonFinite, defined ? a!.MedianLog10VanishingRatio : null, defined ? a!.MemoryHorizonSteps : null,
            defined ? a!.ProfileLog10.ToArray() : []);
        History.Add(point);
        lock (_gate)
        {
            _unsaved.Add(point);
            _progress = _progress with
            {
                Step = step.Step,
                Epoch = step.Epoch,
                BatchInEpoch = step.BatchInEpoch,
                BatchesPerEpoch = step.BatchesPerEpoch,
                Loss = step.Loss,
                ClipRate = _monitor.ClipRate,
                Log10VanishingRatio = defined ? a!.MedianLog10VanishingRatio : _progress.Log10VanishingRatio,
            };
        }
    }

    public void OnEpoch(EpochReport epoch) => _monitor.OnEpoch(epoch);

    /// <summary>The points recorded since the last call, for the store.</summary>
    public List<GradientPoint> TakeUnsaved()
    {
        lock (_gate)
        {
            var taken = _unsaved;
            _unsaved = [];
            return taken;
        }
    }

    public void Dispose() => _cancel.Dispose();
}

/// <summary>A run's position and latest figures.</summary>
internal sealed record LiveProgress(
    long Step,
    int Epoch,
    int Epochs,
    int BatchInEpoch,
    int BatchesPerEpoch,
    double Loss,
    double ClipRate,
    double? Log10VanishingRatio);
