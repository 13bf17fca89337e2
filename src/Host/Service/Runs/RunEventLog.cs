using System.Globalization;
using Microsoft.OpenApi;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// <c>GET /api/runs/{id}/events</c>: the lifecycle events by time (each with <c>at</c>), then the training events
/// by step (each with <c>step</c>). <c>next</c> pages on through the training events when a page was full.
/// </summary>
internal sealed record RunEventLog(long RunId, string State, RunEvent[] Events, string? Next)
{
    /// <summary>The most events of each group one page returns.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The query as the API documents it.</summary>
    public static QueryParameter[] Parameters { get; } =
    [
        new("since", JsonSchemaType.Integer, "Training events after this step; lifecycle events come only with since=0 (the default)."),
        new("limit", JsonSchemaType.Integer, $"Events of each group in the page, 1 to {MaxLimit}; default {MaxLimit}."),
    ];

    public static RunEventLog Read(RunRecord run, EventStore events, IQueryCollection query)
    {
        foreach (var key in query.Keys)
        {
            if (key is not ("since" or "limit"))
                throw new BadRequestException(key, $"{key}: not a parameter of this route; use since or limit.");
        }
        var since = Whole(query, "since", 0, long.MaxValue) ?? 0;
        var limit = (int)(Whole(query, "limit", 1, MaxLimit) ?? MaxLimit);
        // The lifecycle events come with the first page only; later pages continue the training events.
        var lifecycle = since == 0 ? events.Lifecycle(run, limit) : [];
        var training = events.Training(run, since, limit);
        var next = training.Count == limit ? $"/api/runs/{run.Id}/events?since={training[^1].Step}&limit={limit}" : null;
        return new RunEventLog(run.Id, run.State, [.. lifecycle, .. training], next);
    }

    private static long? Whole(IQueryCollection query, string name, long min, long max)
    {
        if (!query.TryGetValue(name, out var values))
            return null;
        var text = values.ToString();
        if (values.Count != 1 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new BadRequestException(name, $"{name}: one whole number from {min} to {max}, not '{text}'.");
        return value;
    }
}
