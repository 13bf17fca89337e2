using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service.Api;

// The shapes of the responses whose handlers build JSON as dictionaries (RunView, the health check, predictions),
// written out as types so the OpenAPI document can describe them. ApiDocumentationTests compares each with a live
// response, so a field added to a view and not here fails a test.

internal sealed record HealthView(string Status, string Store, int SchemaVersion, string Worker, Dictionary<string, int>? Runs);

internal sealed record DatasetList(DatasetRecord[] Datasets);

internal sealed record RunProgressView(long Step, int Epoch, int Epochs, int? BatchInEpoch, int? BatchesPerEpoch,
    double? Fraction, long? CheckpointStep);

internal sealed record RunLatestView(double? Loss, double? ClipRate, double? Log10VanishingRatio);

internal sealed record RunSummaryView(long Id, string Name, string State, string? Data, long? DatasetId, string Cell, int[]? Dilations,
    float? ClipNorm, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    RunProgressView Progress, RunLatestView? Latest, string? Error, string? Worker, int Attempts, long? SweepId,
    Dictionary<string, string> Links);

internal sealed record RunList(RunSummaryView[] Runs);

internal sealed record LatestGradientView(long Step, double? GradNorm, bool Clipped, double? Log10VanishingRatio, int? MemoryHorizon);

internal sealed record RunDetailView(long Id, string Name, string State, string? Data, long? DatasetId, string Cell, int[]? Dilations,
    float? ClipNorm, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    RunProgressView Progress, RunLatestView? Latest, string? Error, string? Worker, int Attempts, long? SweepId,
    Dictionary<string, string> Links, RunRequest Request, RunResult? Result, EpochRecord[] EpochHistory, LatestGradientView? Gradient);

internal sealed record WorkerView(string Id, int Concurrency, int Active, string[] Urls, DateTimeOffset? StartedAt,
    DateTimeOffset SeenAt, bool Self);

internal sealed record WorkerList(WorkerView[] Workers);

internal sealed record SweepGradientView(double? FinalLog10VanishingRatio, double? ClipRate, long? NonFiniteSteps, long StoredSteps);

internal sealed record SweepRunView(int? Rank, long Id, string Name, string State, string? Worker,
    Dictionary<string, System.Text.Json.Nodes.JsonNode?> Values, double? ValidLoss, double? ValidAccuracy,
    SweepGradientView Gradient, Dictionary<string, string> Links);

internal sealed record SweepDetailView(long Id, string Name, DateTimeOffset CreatedAt, System.Text.Json.Nodes.JsonObject Grid,
    int? Sample, string Metric, Dictionary<string, int> States, SweepRunView[] Runs);

internal sealed record SweepListItem(long Id, string Name, DateTimeOffset CreatedAt, Dictionary<string, string> Links);

internal sealed record SweepList(SweepListItem[] Sweeps);

internal sealed record PredictionView(int Record, string? Label, Dictionary<string, float>? Probabilities, double? Value);

internal sealed record PredictResponse(long RunId, string Engine, PredictionView[] Predictions);

/// <summary>The problem+json body of every error (RFC 9457), with the request field at fault.</summary>
internal sealed record ProblemView(string Type, string Title, int Status, string Detail, string? Field);
