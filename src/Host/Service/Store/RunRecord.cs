namespace Recurrent.Host.Service.Store;

/// <summary>The life of a run. Queued runs wait for the worker; the last three are final.</summary>
internal static class RunStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string state) => state is Succeeded or Failed or Cancelled;
}

/// <summary>One row of the runs table.</summary>
internal sealed record RunRecord(
    long Id,
    string Name,
    string State,
    string Request,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    long Step,
    int Epoch,
    long? CheckpointStep,
    string? Error,
    string? Result)
{
    /// <summary>The worker that holds the run while it trains (fleet mode; null in the embedded store).</summary>
    public string? Worker { get; init; }

    /// <summary>How many times a worker has claimed the run (fleet mode; 0 in the embedded store).</summary>
    public int Attempts { get; init; }

    /// <summary>The sweep the run belongs to, if any.</summary>
    public long? SweepId { get; init; }
}

/// <summary>One finished epoch of a run.</summary>
internal sealed record EpochRecord(
    int Epoch,
    long Step,
    double? TrainLoss,
    double? TrainAccuracy,
    double? ValidLoss,
    double? ValidAccuracy,
    double? LearningRate);

/// <summary>One row of the datasets table; the file is <c>datasets/ID.FORMAT</c> in the data directory.</summary>
internal sealed record DatasetRecord(
    long Id,
    string Name,
    string Format,
    long SizeBytes,
    int Sequences,
    string InputKind,
    int FeatureCount,
    IReadOnlyList<string> Classes,
    int MaxLength,
    DateTimeOffset CreatedAt);
