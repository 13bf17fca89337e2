namespace Recurrent.Host.Service;

/// <summary>
/// Bounds on one training run (<c>Recurrent:Runs:KEY</c>). Each keeps a request from asking for more memory or
/// time than the service can give; the size limits are estimates from the request alone, so nothing is built to
/// check them.
/// </summary>
public sealed class RunLimitOptions
{
    /// <summary>Largest <c>hidden</c>. Default 4096.</summary>
    public int MaxHidden { get; set; } = 4096;

    /// <summary>Largest <c>layers</c>. Default 8.</summary>
    public int MaxLayers { get; set; } = 8;

    /// <summary>Largest <c>embedding</c>. Default 1024.</summary>
    public int MaxEmbedding { get; set; } = 1024;

    /// <summary>Largest <c>epochs</c>. Default 10000.</summary>
    public int MaxEpochs { get; set; } = 10_000;

    /// <summary>Largest <c>batch</c>. Default 4096.</summary>
    public int MaxBatch { get; set; } = 4096;

    /// <summary>Largest <c>threads</c>. Default: the machine's core count.</summary>
    public int MaxThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Largest <c>count</c> (sequences generated, or read from a file). Default 1,000,000.</summary>
    public int MaxCount { get; set; } = 1_000_000;

    /// <summary>Most float values in a run's data (sequences × steps × features over train, validation and test). Default 50,000,000 (200 MB).</summary>
    public long MaxDataValues { get; set; } = 50_000_000;

    /// <summary>Most trainable parameters of a run's model. Default 20,000,000 (80 MB of weights, about 4× that while training).</summary>
    public long MaxParameters { get; set; } = 20_000_000;

    /// <summary>Most bytes of activations kept for backpropagation through one batch (estimated). Default 1 GiB.</summary>
    public long MaxActivationBytes { get; set; } = 1L << 30;

    internal void Validate()
    {
        Positive(MaxHidden, $"Runs:{nameof(MaxHidden)}");
        Positive(MaxLayers, $"Runs:{nameof(MaxLayers)}");
        Positive(MaxEmbedding, $"Runs:{nameof(MaxEmbedding)}");
        Positive(MaxEpochs, $"Runs:{nameof(MaxEpochs)}");
        Positive(MaxBatch, $"Runs:{nameof(MaxBatch)}");
        Positive(MaxThreads, $"Runs:{nameof(MaxThreads)}");
        Positive(MaxCount, $"Runs:{nameof(MaxCount)}");
        Positive(MaxDataValues, $"Runs:{nameof(MaxDataValues)}");
        Positive(MaxParameters, $"Runs:{nameof(MaxParameters)}");
        Positive(MaxActivationBytes, $"Runs:{nameof(MaxActivationBytes)}");
    }

    internal static void Positive(long value, string name)
    {
        if (value < 1)
            throw new ArgumentException($"Recurrent:{name} must be at least 1, not {value}.");
    }
}

/// <summary>Bounds on prediction requests (<c>Recurrent:Predict:KEY</c>).</summary>
public sealed class PredictLimitOptions
{
    /// <summary>Most steps in one request, summed over its records. Default 500,000.</summary>
    public long MaxSteps { get; set; } = 500_000;

    /// <summary>
    /// Most bytes of the model's activations per engine call (rows × steps × hidden state); a request is cut into
    /// chunks of records that fit. Default 32 MiB.
    /// </summary>
    public long ChunkBytes { get; set; } = 32L << 20;

    /// <summary>
    /// Most bytes of activations for one record (its steps × the model's hidden state): a chunk holds one record at
    /// least, so this bounds a chunk of a large model. Default 256 MiB.
    /// </summary>
    public long MaxRecordBytes { get; set; } = 256L << 20;

    /// <summary>Predictions computed at the same time; further requests wait. Default 2.</summary>
    public int MaxConcurrent { get; set; } = 2;

    /// <summary>How long a request waits for a free slot before a 429. Default 10 s.</summary>
    public double QueueTimeoutSeconds { get; set; } = 10;

    /// <summary>Most models kept loaded for predictions; the least recently used is closed beyond it. Default 8.</summary>
    public int MaxEngines { get; set; } = 8;

    /// <summary>
    /// Most bytes the loaded models may hold, by estimate (twice each model file, plus 4 MiB a session); the least
    /// recently used are closed beyond it. Default 256 MiB.
    /// </summary>
    public long EngineCacheBytes { get; set; } = 256L << 20;

    internal void Validate()
    {
        RunLimitOptions.Positive(MaxEngines, $"Predict:{nameof(MaxEngines)}");
        RunLimitOptions.Positive(EngineCacheBytes, $"Predict:{nameof(EngineCacheBytes)}");
        RunLimitOptions.Positive(MaxSteps, $"Predict:{nameof(MaxSteps)}");
        RunLimitOptions.Positive(ChunkBytes, $"Predict:{nameof(ChunkBytes)}");
        RunLimitOptions.Positive(MaxRecordBytes, $"Predict:{nameof(MaxRecordBytes)}");
        RunLimitOptions.Positive(MaxConcurrent, $"Predict:{nameof(MaxConcurrent)}");
        if (!(QueueTimeoutSeconds >= 0 && double.IsFinite(QueueTimeoutSeconds)))
            throw new ArgumentException($"Recurrent:Predict:QueueTimeoutSeconds must be 0 or more, not {QueueTimeoutSeconds}.");
    }
}

/// <summary>Bounds on dataset uploads (<c>Recurrent:Uploads:KEY</c>); the size of one is <c>Recurrent:MaxUploadBytes</c>.</summary>
public sealed class UploadLimitOptions
{
    /// <summary>
    /// Uploads received and validated at the same time (each validated a record at a time); further uploads wait.
    /// Default 2.
    /// </summary>
    public int MaxConcurrent { get; set; } = 2;

    /// <summary>How long an upload waits for a free slot before a 429. Default 10 s.</summary>
    public double QueueTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Most bytes in one line of an upload (a JSONL record is a line): a record is held, parsed and split into a
    /// string per token while it is checked, about 20 times its size, so this bounds an upload's memory where the
    /// upload size alone would not (one 16 MiB line cost 233-337 MiB). A longer line is a 413 naming it. A CSV record
    /// whose quoted field spans lines is bounded whole by the same number. Default 2 MiB (a 2,000-step sequence of 100
    /// numeric features is about that).
    /// </summary>
    public long MaxLineBytes { get; set; } = 2L << 20;

    internal void Validate()
    {
        RunLimitOptions.Positive(MaxConcurrent, $"Uploads:{nameof(MaxConcurrent)}");
        RunLimitOptions.Positive(MaxLineBytes, $"Uploads:{nameof(MaxLineBytes)}");
        if (!(QueueTimeoutSeconds >= 0 && double.IsFinite(QueueTimeoutSeconds)))
            throw new ArgumentException($"Recurrent:Uploads:QueueTimeoutSeconds must be 0 or more, not {QueueTimeoutSeconds}.");
    }
}
