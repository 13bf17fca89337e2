using System.Text.Json.Serialization;
using Recurrent.Diagnostics;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service.Runs;

// The responses of /api/runs, as types: the handlers return them, and the OpenAPI document is generated from them,
// so each field is listed once. ApiDocumentationTests compares each schema with a live response.

/// <summary>Where a run stands: its step and epoch, and its batch within the epoch while this process trains it.</summary>
internal sealed record RunProgressView(long Step, int Epoch, int Epochs, int? BatchInEpoch, int? BatchesPerEpoch,
    double? Fraction, long? CheckpointStep);

/// <summary>The run's latest figures: live while it trains here, else those its stored steps ended with.</summary>
/// <param name="Loss">The last step's loss; null when it was not finite.</param>
/// <param name="ClipRate">Clipped steps over steps.</param>
/// <param name="Log10VanishingRatio">The last defined median log10 g_1/g_T.</param>
internal sealed record RunLatestView(double? Loss, double? ClipRate, double? Log10VanishingRatio);

/// <summary>The routes of one run.</summary>
internal sealed record RunLinks(string Self, string Gradients, string ModelOnnx, string Predict, string Cancel)
{
    public static RunLinks Of(long id) => new($"/api/runs/{id}", $"/api/runs/{id}/gradients", $"/api/runs/{id}/model.onnx",
        $"/api/runs/{id}/predict", $"/api/runs/{id}/cancel");
}

/// <summary>A run in lists and in the answers of create and cancel.</summary>
internal record RunSummaryView(long Id, string Name, string State, string? Data, long? DatasetId, string Cell, int[]? Dilations,
    float? ClipNorm, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    RunProgressView Progress, RunLatestView? Latest, string? Error, string? Worker, int Attempts, long? SweepId,
    RunLinks Links);

/// <summary>GET /api/runs.</summary>
internal sealed record RunList(RunSummaryView[] Runs);

/// <summary>
/// GET /api/runs/{id}: the summary's fields, then the request, the result, the epochs and the last step's gradient
/// record (while this process trains the run, or trained it).
/// </summary>
internal sealed record RunDetailView : RunSummaryView
{
    public RunDetailView(RunSummaryView summary, RunRequest request, RunResult? result, EpochRecord[] epochHistory,
        GradientRecord? gradient)
        : base(summary)
    {
        Request = request;
        Result = result;
        EpochHistory = epochHistory;
        Gradient = gradient;
    }

    // Ordered after the summary's fields, as a client reading the summary first expects.
    [JsonPropertyOrder(1)]
    public RunRequest Request { get; init; }

    [JsonPropertyOrder(1)]
    public RunResult? Result { get; init; }

    [JsonPropertyOrder(1)]
    public EpochRecord[] EpochHistory { get; init; }

    [JsonPropertyOrder(1)]
    public GradientRecord? Gradient { get; init; }
}
