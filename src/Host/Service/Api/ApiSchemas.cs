using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service.Api;

// The shapes of responses, written out as types so the OpenAPI document can describe them. The sweeps' views are
// the responses themselves (and so are the runs': Service/Runs/RunViews.cs); the health check and predictions still
// build theirs by hand. ApiDocumentationTests compares each with a live
// response, so a field added to a view and not here fails a test.

internal sealed record HealthView(string Status, string Store, int SchemaVersion, string Worker, Dictionary<string, int>? Runs);

internal sealed record DatasetList(DatasetRecord[] Datasets);

internal sealed record WorkerView(string Id, int Concurrency, int Active, string[] Urls, DateTimeOffset? StartedAt,
    DateTimeOffset SeenAt, bool Self);

internal sealed record WorkerList(WorkerView[] Workers);

/// <summary>
/// A sweep run's gradient health over its stored steps (nulls and 0 stored steps when it stored none); the
/// non-finite count is its result's when it has one.
/// </summary>
internal sealed record SweepGradientView(double? FinalLog10VanishingRatio, double? ClipRate, long? NonFiniteSteps, long StoredSteps)
{
    public static SweepGradientView None { get; } = new(null, null, null, 0);
}

internal sealed record SweepRunLinks(string Run);

internal sealed record SweepRunView(int? Rank, long Id, string Name, string State, string? Worker,
    Dictionary<string, System.Text.Json.Nodes.JsonNode?> Values, double? ValidLoss, double? ValidAccuracy,
    SweepGradientView Gradient, SweepRunLinks Links);

internal sealed record SweepDetailView(long Id, string Name, DateTimeOffset CreatedAt, System.Text.Json.Nodes.JsonObject? Grid,
    int? Sample, string Metric, Dictionary<string, int> States, SweepRunView[] Runs);

internal sealed record SweepLinks(string Self);

internal sealed record SweepListItem(long Id, string Name, DateTimeOffset CreatedAt, SweepLinks Links);

internal sealed record SweepList(SweepListItem[] Sweeps);

internal sealed record PredictionView(int Record, string? Label, Dictionary<string, float>? Probabilities, double? Value);

internal sealed record PredictResponse(long RunId, string Engine, PredictionView[] Predictions);

/// <summary>The problem+json body of every error (RFC 9457), with the request field at fault.</summary>
internal sealed record ProblemView(string Type, string Title, int Status, string Detail, string? Field);
