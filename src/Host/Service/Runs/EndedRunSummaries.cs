using System.Collections.Concurrent;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// The stored summaries of ended runs, read from the store once each: an ended run's steps never change, and the run
/// list is polled every second by the page.
/// </summary>
internal sealed class EndedRunSummaries(GradientStore gradients)
{
    private readonly ConcurrentDictionary<long, StoredRunSummary?> _summaries = new();

    public StoredRunSummary? Get(RunRecord run) =>
        RunStates.IsFinal(run.State) ? _summaries.GetOrAdd(run.Id, gradients.Summary) : null;
}
