using Recurrent.Diagnostics;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Worker;

/// <summary>Keeps <c>recurrent_runs{state}</c> equal to the store's counts; called after every state change.</summary>
internal sealed class RunStatePublisher(RunStore runs, TrainingMetrics metrics)
{
    private readonly Lock _gate = new();

    public void Publish()
    {
        // Serialised so an older count never overwrites a newer one.
        lock (_gate)
            metrics.SetRunStates(runs.CountStates());
    }
}
