using Recurrent.Trainer.Training;

namespace Recurrent.Host.Commands;

/// <summary>Hands every report to several observers in order.</summary>
internal sealed class CompositeObserver(IReadOnlyList<ITrainingObserver> observers) : ITrainingObserver
{
    public void OnStep(StepReport step)
    {
        foreach (var observer in observers)
            observer.OnStep(step);
    }

    public void OnEpoch(EpochReport epoch)
    {
        foreach (var observer in observers)
            observer.OnEpoch(epoch);
    }
}
