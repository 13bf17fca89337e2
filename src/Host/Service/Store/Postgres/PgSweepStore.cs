namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>A sweep as stored: its name and the request that made it.</summary>
internal sealed record SweepRecord(long Id, string Name, string Request, DateTimeOffset CreatedAt);

/// <summary>A sweep's run's gradient health from its stored steps.</summary>
/// <param name="FinalLog10VanishingRatio">The last defined vanishing ratio.</param>
/// <param name="ClipRate">The trainer's clipped steps over its steps, kept with the last step.</param>
/// <param name="NonFiniteSteps">The trainer's non-finite steps, kept with the last step.</param>
/// <param name="StoredSteps">How many steps are stored.</param>
internal sealed record SweepRunHealth(double? FinalLog10VanishingRatio, double ClipRate, long NonFiniteSteps, long StoredSteps);

/// <summary>
/// Sweeps in the fleet's PostgreSQL store: a sweep and all its runs are queued in one transaction, so workers
/// never see half a sweep and a refused sweep leaves nothing behind.
/// </summary>
internal sealed class PgSweepStore(PgDatabase database, PgRunStore runs, TimeProvider clock)
{
    private const string Columns = "id, name, request, created_at";

    /// <summary>Queues the sweep's runs together; null (nothing stored) when the sweep's or a run's name is taken.</summary>
    public SweepRecord? Create(string name, string requestJson, IReadOnlyList<(string Name, string RequestJson)> members)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        if (StoreDatabase.Scalar(connection,
                "INSERT INTO sweeps (name, request, created_at) VALUES (@name, @request, @now) ON CONFLICT (name) DO NOTHING RETURNING id;",
                ("@name", name), ("@request", requestJson), ("@now", database.Dialect.Time(clock.GetUtcNow()))) is not long id)
            return null;
        foreach (var (runName, runJson) in members)
        {
            if (runs.InsertMember(connection, runName, runJson, id) is null)
                return null; // disposed without a commit: rolled back
        }
        transaction.Commit();
        return Get(id);
    }

    public SweepRecord? Get(long id) => database.First($"SELECT {Columns} FROM sweeps WHERE id = @id;", Read, ("@id", id));

    public IReadOnlyList<SweepRecord> List() => database.Query($"SELECT {Columns} FROM sweeps ORDER BY id;", Read);

    public IReadOnlyList<RunRecord> Runs(long sweepId) => runs.OfSweep(sweepId);

    /// <summary>Each run's gradient health from its stored steps, by run id (runs without steps are absent).</summary>
    public IReadOnlyDictionary<long, SweepRunHealth> Health(long sweepId) => database.Query(
        """
        SELECT g.run_id, g.stored, l.clipped_steps::double precision / l.step, l.non_finite_steps, v.ratio
        FROM (SELECT s.run_id, COUNT(*) AS stored FROM gradient_steps s JOIN runs r ON r.id = s.run_id
              WHERE r.sweep_id = @sweep GROUP BY s.run_id) g
        CROSS JOIN LATERAL (SELECT step, clipped_steps, non_finite_steps FROM gradient_steps
                            WHERE run_id = g.run_id ORDER BY step DESC LIMIT 1) l
        LEFT JOIN LATERAL (SELECT log10_vanishing_ratio AS ratio FROM gradient_steps
                           WHERE run_id = g.run_id AND log10_vanishing_ratio IS NOT NULL ORDER BY step DESC LIMIT 1) v ON true;
        """,
        r => (RunId: r.GetInt64(0), Health: new SweepRunHealth(StoredRows.DoubleOrNull(r, 4), r.GetDouble(2), r.GetInt64(3), r.GetInt64(1))),
        ("@sweep", sweepId)).ToDictionary(h => h.RunId, h => h.Health);

    private SweepRecord Read(System.Data.Common.DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), database.Dialect.ReadTime(r, 3));
}
