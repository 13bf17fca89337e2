using System.Collections.Concurrent;
using Recurrent.Diagnostics;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// The last stored step of each ended run, read from the store once each: an ended run's steps never change, and
/// the run list is polled every second by the page.
/// </summary>
internal sealed class EndedRunSummaries(GradientStore gradients)
{
    private readonly ConcurrentDictionary<long, GradientRecord?> _last = new();

    public GradientRecord? Get(RunRecord run) =>
        RunStates.IsFinal(run.State) ? _last.GetOrAdd(run.Id, gradients.Last) : null;
}
