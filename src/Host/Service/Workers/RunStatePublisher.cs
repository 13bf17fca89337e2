using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Workers;

/// <summary>Keeps <c>recurrent_runs{state}</c> equal to the store's counts; called after every state change.</summary>
internal sealed class RunStatePublisher(RunStore runs, TrainingMetrics metrics)
{
    private readonly Lock _gate = new();

    public void Publish()
    {
        // Serialised so an older count never overwrites a newer one.
        lock (_gate)
        {
            try
            {
                metrics.SetRunStates(runs.CountStates());
            }
            catch (System.Data.Common.DbException)
            {
                // A fleet's database is away: the gauge keeps its last counts until the next change after it is back.
            }
        }
    }
}
