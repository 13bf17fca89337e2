using System.Globalization;
using Microsoft.OpenApi;
using Recurrent.Host.Service.Api;

namespace Recurrent.Host.Service.Gradients;

/// <summary>
/// The query of <c>GET /api/runs/{id}/gradients</c>, parsed here rather than by model binding so that every
/// malformed value becomes problem+json naming its parameter.
/// </summary>
/// <param name="Since">Only steps after this one (exclusive; 0: from the first).</param>
/// <param name="Until">Only steps before this one (exclusive; null: to the newest).</param>
/// <param name="Order">asc: the oldest steps of the window, oldest first; desc: the newest, newest first;
/// tail (no order given): the newest, oldest first, what a poller asks for.</param>
/// <param name="Limit">Steps in one page, 1 to <see cref="MaxLimit"/>.</param>
/// <param name="Every">Only steps that are multiples of this, for an overview of a long run.</param>
internal sealed record GradientQuery(long Since, long? Until, string Order, int Limit, int Every)
{
    /// <summary>The most steps one page returns (about 2 MB of JSON with profiles).</summary>
    public const int MaxLimit = 5000;

    public const string Ascending = "asc";
    public const string Descending = "desc";
    public const string Tail = "tail";

    /// <summary>The parameters as the API documents them.</summary>
    public static QueryParameter[] Parameters { get; } =
    [
        new("since", JsonSchemaType.Integer, "Only steps after this one (exclusive); default 0."),
        new("until", JsonSchemaType.Integer, "Only steps before this one (exclusive); default none."),
        new("order", JsonSchemaType.String, "asc: the oldest steps of the window first; desc: the newest first; absent: the newest `limit`, oldest first."),
        new("limit", JsonSchemaType.Integer, $"Steps in the page, 1 to {MaxLimit}; default GradientHistorySteps (500)."),
        new("every", JsonSchemaType.Integer, "Only steps that are multiples of this (1 to 1000000); default 1."),
    ];

    public static GradientQuery Parse(IQueryCollection query, int defaultLimit)
    {
        foreach (var key in query.Keys)
        {
            if (key is not ("since" or "until" or "order" or "limit" or "every"))
                throw new BadRequestException(key, $"{key}: not a parameter of this route; use since, until, order, limit or every.");
        }
        var since = Whole(query, "since", 0, long.MaxValue) ?? 0;
        var until = Whole(query, "until", 1, long.MaxValue);
        var limit = (int)(Whole(query, "limit", 1, MaxLimit) ?? Math.Min(defaultLimit, MaxLimit));
        var every = (int)(Whole(query, "every", 1, 1_000_000) ?? 1);
        var order = query["order"].ToString() switch
        {
            "" => Tail,
            Ascending => Ascending,
            Descending => Descending,
            var other => throw new BadRequestException("order", $"order: asc or desc, not '{other}'."),
        };
        if (until is not null && until <= since + 1)
            throw new BadRequestException("until", $"until: must be above since + 1 ({since + 1}) for the window to hold a step, not {until}.");
        return new GradientQuery(since, until, order, limit, every);
    }

    private static long? Whole(IQueryCollection query, string name, long min, long max)
    {
        if (!query.TryGetValue(name, out var values))
            return null;
        if (values.Count != 1)
            throw new BadRequestException(name, $"{name}: give it once, not {values.Count} times.");
        var text = values.ToString();
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new BadRequestException(name, $"{name}: a whole number from {min} to {max}, not '{text}'.");
        if (value < min || value > max)
            throw new BadRequestException(name, $"{name}: must be from {min} to {max}, not {value}.");
        return value;
    }
}
