using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Analysis;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Gradients;

/// <summary>
/// A page of a run's gradient history: the steps' records as the monitor made them (or as the store kept them). <c>next</c> is the URL of the following page in the same
/// direction (older for desc and tail, newer for asc), null when this page reached the end of the stored steps.
/// </summary>
internal sealed record GradientPage(long RunId, string State, string Order, int[] StepsBack, GradientRecord[] Steps, string? Next);

/// <summary>
/// Answers gradient-history pages. While a run trains, its newest steps are in memory until the next checkpoint
/// stores them (and memory keeps only the last GradientHistorySteps), so a page merges both: the steps it returns
/// have no holes, however far behind the reader is.
/// </summary>
internal static class GradientPages
{
    public static GradientPage Read(RunRecord run, LiveRun? training, GradientStore stored, GradientQuery query)
    {
        var until = query.Until ?? long.MaxValue;
        var ascending = query.Order == GradientQuery.Ascending;
        // One more than a page tells whether another page follows.
        var wanted = query.Limit + 1;
        // Memory first, then the store: every step older than what memory still holds was stored before memory
        // let it go, so the later store read has it (read the other way round, a checkpoint in between leaves a hole).
        var recent = run.State == RunStates.Running && training is not null
            ? training.History.Since(query.Since, int.MaxValue).Where(p => p.Step < until && p.Step % query.Every == 0).ToList()
            : [];
        // Memory wins over the store for a step in both: they hold the same values.
        var points = recent.Concat(stored.Range(run.Id, query.Since, until, ascending, wanted, query.Every)).DistinctBy(p => p.Step);
        var page = (ascending ? points.OrderBy(p => p.Step) : points.OrderByDescending(p => p.Step)).Take(wanted).ToList();
        var more = page.Count > query.Limit;
        if (more)
            page.RemoveAt(page.Count - 1);
        string? next = null;
        if (more)
        {
            var cursor = ascending ? $"since={page[^1].Step}" : $"until={page[^1].Step}";
            var order = ascending ? GradientQuery.Ascending : GradientQuery.Descending;
            var since = ascending || query.Since == 0 ? "" : $"&since={query.Since}";
            var every = query.Every == 1 ? "" : $"&every={query.Every}";
            next = $"/api/runs/{run.Id}/gradients?order={order}&{cursor}{since}&limit={query.Limit}{every}";
        }
        if (query.Order == GradientQuery.Tail)
            page.Reverse();
        return new GradientPage(run.Id, run.State, query.Order, [.. GradientAnalysisResult.ProfileStepsBack],
            [.. page], next);
    }
}
