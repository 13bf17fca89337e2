using System.Text.Json;
using Recurrent.Diagnostics;
using Recurrent.Host.Service.Gradients;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// Every step's gradient record, written in batches at each checkpoint. Steps after the last checkpoint are lost in
/// a crash, but the resumed run (here, or on another worker of a fleet) trains them again and writes the same
/// values: a step is stored once, by key, and written again over itself. Only the run's worker writes them, fenced
/// by its lease (<see cref="RunFence"/>): a worker that lost the run stores nothing.
/// </summary>
internal sealed class GradientStore(StoreDatabase database, RunFence fence)
{
    /// <summary>Stores the records in one transaction; throws <see cref="LeaseLostException"/>, storing none, when the lease is lost.</summary>
    public void Add(RunLease lease, IReadOnlyList<GradientRecord> records)
    {
        if (records.Count == 0)
            return;
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var stored = StoreDatabase.ExecuteEach(connection,
            $"""
            INSERT INTO gradient_steps
                (run_id, step, epoch, loss, grad_norm, clipped, non_finite, log10_vanishing_ratio, memory_horizon, profile_log10,
                 clipped_steps, non_finite_steps, update_share, detail)
            SELECT @run, @step, @epoch, @loss, @norm, @clipped, @nonfinite, @ratio, @horizon, @profile, @clippedsteps, @nonfinitesteps,
                @share, @detail
            WHERE {fence.Holds}
            ON CONFLICT (run_id, step) DO UPDATE SET epoch = EXCLUDED.epoch, loss = EXCLUDED.loss,
                grad_norm = EXCLUDED.grad_norm, clipped = EXCLUDED.clipped, non_finite = EXCLUDED.non_finite,
                log10_vanishing_ratio = EXCLUDED.log10_vanishing_ratio, memory_horizon = EXCLUDED.memory_horizon,
                profile_log10 = EXCLUDED.profile_log10, clipped_steps = EXCLUDED.clipped_steps,
                non_finite_steps = EXCLUDED.non_finite_steps, update_share = EXCLUDED.update_share, detail = EXCLUDED.detail;
            """,
            records.Select(p => new (string, object?)[]
            {
                ("@run", lease.RunId), ("@fence", lease.Token), ("@step", p.Step), ("@epoch", p.Epoch), ("@loss", StoredRows.Finite(p.Loss)),
                ("@norm", StoredRows.Finite(p.GradNorm)), ("@clipped", p.Clipped), ("@nonfinite", p.NonFinite),
                ("@ratio", StoredRows.Finite(p.Log10VanishingRatio)), ("@horizon", p.MemoryHorizon),
                ("@profile", ProfileJson(p.ProfileLog10)), ("@clippedsteps", p.ClippedSteps), ("@nonfinitesteps", p.NonFiniteSteps),
                ("@share", StoredRows.Finite(p.UpdateShare)), ("@detail", DetailJson(p)),
            }));
        if (stored != records.Count)
            throw new LeaseLostException(lease.RunId); // disposed without a commit: rolled back
        transaction.Commit();
    }

    /// <summary>
    /// The run's last stored step (what an ended run finished with, its counts included); null when it stored none.
    /// </summary>
    public GradientRecord? Last(long runId) =>
        Range(runId, 0, long.MaxValue, ascending: false, limit: 1, every: 1) is [var last] ? last : null;

    /// <summary>
    /// The newest <paramref name="limit"/> records after <paramref name="afterStep"/> (and before
    /// <paramref name="beforeStep"/>), oldest first.
    /// </summary>
    public IReadOnlyList<GradientRecord> Since(long runId, long afterStep, int limit, long beforeStep = long.MaxValue)
    {
        var newestFirst = Range(runId, afterStep, beforeStep, ascending: false, limit, every: 1);
        return [.. newestFirst.Reverse()];
    }

    /// <summary>
    /// At most <paramref name="limit"/> records with <paramref name="afterStep"/> &lt; step &lt;
    /// <paramref name="beforeStep"/> and step a multiple of <paramref name="every"/>: the oldest of them, oldest
    /// first, when <paramref name="ascending"/>; else the newest, newest first. The primary key (run_id, step)
    /// makes either end a range scan, so a page costs its own size whatever the history's length.
    /// </summary>
    public IReadOnlyList<GradientRecord> Range(long runId, long afterStep, long beforeStep, bool ascending, int limit, int every) =>
        database.Query(
            $"""
            SELECT {StoredRows.GradientColumns} FROM gradient_steps
            WHERE run_id = @run AND step > @after AND step < @before AND step % @every = 0
            ORDER BY step {(ascending ? "ASC" : "DESC")} LIMIT @limit;
            """, StoredRows.Gradient, ("@run", runId), ("@after", afterStep), ("@before", beforeStep), ("@every", (long)every),
            ("@limit", limit));

    /// <summary>The profile column: a JSON array, null for a non-finite value.</summary>
    private static string ProfileJson(double[] profile) => JsonSerializer.Serialize(profile, ProfileOptions);

    internal static double[] Profile(string json) => JsonSerializer.Deserialize<double[]>(json, ProfileOptions) ?? [];

    /// <summary>
    /// The detail column: the record's paths, blocks and saturation and the step they were measured at as one JSON
    /// object in the API's own shape; NULL when the run's detail level computed none of them. Named NaN and infinities are kept as they were.
    /// </summary>
    private static string? DetailJson(GradientRecord record) =>
        record.Paths.Count == 0 && record.Blocks.Count == 0 && record.Saturation.Count == 0
            ? null
            : JsonSerializer.Serialize(new StoredDetail(record.Paths, record.Blocks, record.Saturation, record.DetailStep), DetailOptions);

    /// <summary>A record read back with the figures its detail column holds (none when it is NULL).</summary>
    internal static GradientRecord WithDetail(GradientRecord record, string? json)
    {
        if (json is null)
            return record;
        var detail = JsonSerializer.Deserialize<StoredDetail>(json, DetailOptions)
            ?? throw new InvalidDataException($"The detail of step {record.Step} is not a JSON object.");
        return record with
        {
            Paths = detail.Paths ?? [],
            Blocks = detail.Blocks ?? [],
            Saturation = detail.Saturation ?? [],
            DetailStep = detail.DetailStep,
        };
    }

    // DetailStep is absent from rows written before the detail had a cadence (every step measured it).
    private sealed record StoredDetail(IReadOnlyList<PathFigures>? Paths, IReadOnlyList<BlockFigures>? Blocks,
        IReadOnlyList<SaturationFigure>? Saturation, long? DetailStep = null);

    private static readonly JsonSerializerOptions DetailOptions = new(GradientJson.Options)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly JsonSerializerOptions ProfileOptions = new() { Converters = { new NonFiniteAsNullArrayConverter() } };
}
