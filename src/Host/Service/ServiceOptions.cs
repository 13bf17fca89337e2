namespace Recurrent.Host.Service;

/// <summary>
/// The service's settings, bound from the configuration section <c>Recurrent</c> (appsettings.json, environment
/// variables such as <c>Recurrent__MaxConcurrentRuns</c>, or <c>--Recurrent:MaxConcurrentRuns=2</c> on the command
/// line). <c>RECURRENT_TOKEN</c> in the environment also sets <see cref="Token"/>.
/// </summary>
public sealed class ServiceOptions
{
    /// <summary>The configuration section these settings are read from.</summary>
    public const string Section = "Recurrent";

    /// <summary>Where the store, datasets, models and checkpoints live. Default <c>./recurrent-data</c>.</summary>
    public string DataDir { get; set; } = "recurrent-data";

    /// <summary>The bearer token mutating requests must carry; generated and stored in the data directory when unset.</summary>
    public string? Token { get; set; }

    /// <summary>Runs that train at the same time. Default 1.</summary>
    public int MaxConcurrentRuns { get; set; } = 1;

    /// <summary>Largest dataset upload in bytes. Default 16 MiB.</summary>
    public long MaxUploadBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Longest sequence, in steps, accepted in uploads, built-in specs and predictions. Default 2000.</summary>
    public int MaxSequenceLength { get; set; } = 2000;

    /// <summary>Most records in one prediction request. Default 1000.</summary>
    public int MaxPredictRecords { get; set; } = 1000;

    /// <summary>A running run writes a checkpoint after this many steps (and at every epoch end). Default 20.</summary>
    public int CheckpointEverySteps { get; set; } = 20;

    /// <summary>Recent steps whose gradient profile is kept per run for <c>/api/runs/{id}/gradients</c>. Default 500.</summary>
    public int GradientHistorySteps { get; set; } = 500;

    /// <summary>
    /// Clip thresholds to add to the gradient-norm histogram's boundaries (beside 0.25, 0.5, 1, 2, 5, 10), so the
    /// share of steps above a run's <c>clip_norm</c> is exact. Fixed at start, as Prometheus needs stable buckets.
    /// </summary>
    public double[] ClipThresholds { get; set; } = [];

    /// <summary>Queue the demo runs when the data directory is new. Default true; <c>--no-demo</c> turns it off.</summary>
    public bool Demo { get; set; } = true;

    /// <summary>
    /// Free space the data directory's disk must keep: below it, uploads and new runs are refused with 507 and
    /// /healthz says "degraded". Default 16 MiB.
    /// </summary>
    public long MinFreeDiskBytes { get; set; } = 16L << 20;

    /// <summary>Upper bounds on what one run may ask for; checked when the run is created (400 naming the field).</summary>
    public RunLimitOptions Runs { get; set; } = new();

    /// <summary>Upper bounds on prediction requests.</summary>
    public PredictLimitOptions Predict { get; set; } = new();

    /// <summary>How many dataset uploads are served at a time.</summary>
    public UploadLimitOptions Uploads { get; set; } = new();

    /// <summary>
    /// A run that was still training when the process died this many times is failed instead of queued again,
    /// so a run that kills the process cannot crash-loop the service. Default 3.
    /// </summary>
    public int MaxRunInterruptions { get; set; } = 3;

    /// <summary>
    /// An Npgsql connection string: runs, datasets, events, gradient history, checkpoints and models live in this
    /// PostgreSQL database, shared by every worker of a fleet, instead of the SQLite store of the data directory.
    /// <c>--postgres</c> and <c>RECURRENT_POSTGRES</c> set it too. Unset by default (the embedded store).
    /// </summary>
    public string? Postgres { get; set; }

    /// <summary>This worker's id in a fleet; default the host name and the process id. <c>--worker-id</c> sets it.</summary>
    public string? WorkerId { get; set; }

    /// <summary>
    /// Seconds a claimed run stays this worker's without a renewal (renewed every third of it while training); a
    /// run whose worker stopped renewing is claimed by another after this long. Default 30.
    /// </summary>
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>
    /// Seconds a connection to <see cref="Postgres"/> may take to open before the database is taken for unreachable,
    /// unless the connection string sets its own <c>Timeout</c>. A stopped database refuses at once whatever this is;
    /// the wait is for a loaded one that accepts late. Default 15 (Npgsql's own), at most 1024.
    /// </summary>
    public int PostgresConnectTimeoutSeconds { get; set; } = Store.Postgres.PgDatabase.DefaultConnectTimeoutSeconds;

    /// <summary>
    /// Host names (and addresses) requests may name in their <c>Host</c> header; others get a 400, so a web page
    /// that rebinds its own domain to this machine's address (DNS rebinding) cannot read the API. Default: the
    /// loopback names, the addresses the service is bound to, and, when bound to every interface, this machine's
    /// name and addresses. <c>*</c> allows any.
    /// </summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>
    /// Slowest a request body may arrive, in bytes per second after a 5 s grace: a client that trickles its body
    /// loses its slot with a 408. Default 4096.
    /// </summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 4096;

    /// <summary>Longest a request may take, body included, before it is cancelled with a 408. Default 300 s.</summary>
    public double RequestTimeoutSeconds { get; set; } = 300;

    /// <summary>How often the store's integrity is checked (<c>PRAGMA quick_check</c>; also at start). Default 300 s.</summary>
    public double IntegrityCheckSeconds { get; set; } = 300;

    /// <summary>What tests and fault reproduction drive; nothing is set by default.</summary>
    public DebugOptions Debug { get; set; } = new();

    /// <summary>Most runs one sweep may queue (its grid, or its sample). Default 256.</summary>
    public int MaxSweepRuns { get; set; } = 256;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDir))
            throw new ArgumentException("Recurrent:DataDir must name a directory.");
        if (MaxConcurrentRuns < 1)
            throw new ArgumentException($"Recurrent:MaxConcurrentRuns must be at least 1, not {MaxConcurrentRuns}.");
        if (MaxUploadBytes < 1)
            throw new ArgumentException($"Recurrent:MaxUploadBytes must be at least 1, not {MaxUploadBytes}.");
        if (MaxSequenceLength < 1)
            throw new ArgumentException($"Recurrent:MaxSequenceLength must be at least 1, not {MaxSequenceLength}.");
        if (MaxPredictRecords < 1)
            throw new ArgumentException($"Recurrent:MaxPredictRecords must be at least 1, not {MaxPredictRecords}.");
        if (CheckpointEverySteps < 0)
            throw new ArgumentException($"Recurrent:CheckpointEverySteps must be 0 or more, not {CheckpointEverySteps}.");
        if (GradientHistorySteps < 1)
            throw new ArgumentException($"Recurrent:GradientHistorySteps must be at least 1, not {GradientHistorySteps}.");
        if (ClipThresholds.Any(t => !(double.IsFinite(t) && t > 0)))
            throw new ArgumentException("Recurrent:ClipThresholds must be positive numbers.");
        if (MinFreeDiskBytes < 0)
            throw new ArgumentException($"Recurrent:MinFreeDiskBytes must be 0 or more, not {MinFreeDiskBytes}.");
        if (MaxRunInterruptions < 1)
            throw new ArgumentException($"Recurrent:MaxRunInterruptions must be at least 1, not {MaxRunInterruptions}.");
        if (LeaseSeconds < 2)
            throw new ArgumentException($"Recurrent:LeaseSeconds must be at least 2, not {LeaseSeconds}.");
        if (PostgresConnectTimeoutSeconds is < 1 or > 1024)
            throw new ArgumentException($"Recurrent:PostgresConnectTimeoutSeconds must be 1 to 1024, not {PostgresConnectTimeoutSeconds}.");
        if (MaxSweepRuns < 1)
            throw new ArgumentException($"Recurrent:MaxSweepRuns must be at least 1, not {MaxSweepRuns}.");
        if (WorkerId is not null && (WorkerId.Length is 0 or > 128 || WorkerId.Any(char.IsControl)))
            throw new ArgumentException("Recurrent:WorkerId must be 1 to 128 printable characters.");
        if (!(MinRequestBodyBytesPerSecond >= 0 && double.IsFinite(MinRequestBodyBytesPerSecond)))
            throw new ArgumentException($"Recurrent:MinRequestBodyBytesPerSecond must be 0 or more, not {MinRequestBodyBytesPerSecond}.");
        if (!(RequestTimeoutSeconds > 0 && double.IsFinite(RequestTimeoutSeconds)))
            throw new ArgumentException($"Recurrent:RequestTimeoutSeconds must be more than 0, not {RequestTimeoutSeconds}.");
        if (!(IntegrityCheckSeconds > 0 && double.IsFinite(IntegrityCheckSeconds)))
            throw new ArgumentException($"Recurrent:IntegrityCheckSeconds must be more than 0, not {IntegrityCheckSeconds}.");
        Runs.Validate();
        Predict.Validate();
        Uploads.Validate();
        if (Token is not null && Token.Length < 16)
            throw new ArgumentException("Recurrent:Token must be at least 16 characters.");
    }
}

/// <summary>Settings for tests and for reproducing faults (<c>Recurrent:Debug:KEY</c>); none is set by default.</summary>
public sealed class DebugOptions
{
    /// <summary>
    /// A file holding a step number: every run this process trains pauses after that step (before its checkpoint)
    /// while the file exists and names it; "20 renamed" (or "written", "staged") pauses inside the checkpoint taken at
    /// step 20, at that point of its replacement. Unset by default.
    /// </summary>
    public string? HoldFile { get; set; }
}
