using System.Data.Common;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// The reads that are the same SQL in both stores, written once. Their parameters are named <c>@name</c>, a form
/// SQLite and PostgreSQL both bind, and their SQL is standard; what a dialect needs of its own (upserts, claims, leases, event queries) stays in
/// its store.
/// </summary>
internal static class SharedQueries
{
    private const string GradientColumns =
        "step, epoch, loss, grad_norm, clipped, non_finite, log10_vanishing_ratio, memory_horizon, profile_log10, clipped_steps, non_finite_steps";

    public static DatasetRecord? Dataset(IStoreDatabase database, long id) =>
        Query(database, $"SELECT {StoredRows.DatasetColumns} FROM datasets WHERE id = @id;",
            r => StoredRows.Dataset(r, database.ReadTime), ("@id", id)) is [var dataset] ? dataset : null;

    public static IReadOnlyList<DatasetRecord> Datasets(IStoreDatabase database) =>
        Query(database, $"SELECT {StoredRows.DatasetColumns} FROM datasets ORDER BY id;", r => StoredRows.Dataset(r, database.ReadTime));

    public static IReadOnlyList<EpochRecord> Epochs(IStoreDatabase database, long runId) =>
        Query(database, $"SELECT {StoredRows.EpochColumns} FROM epochs WHERE run_id = @id ORDER BY epoch;", StoredRows.Epoch,
            ("@id", runId));

    /// <summary>The runs by state (COUNT cast so both dialects read a 32-bit integer).</summary>
    public static RunStateCounts StateCounts(IStoreDatabase database)
    {
        using var connection = database.OpenConnection();
        using var command = Command(connection, "SELECT state, CAST(COUNT(*) AS INTEGER) FROM runs GROUP BY state;");
        using var rows = command.ExecuteReader();
        int queued = 0, running = 0, succeeded = 0, failed = 0, cancelled = 0;
        while (rows.Read())
        {
            var n = rows.GetInt32(1);
            switch (rows.GetString(0))
            {
                case RunStates.Queued: queued = n; break;
                case RunStates.Running: running = n; break;
                case RunStates.Succeeded: succeeded = n; break;
                case RunStates.Failed: failed = n; break;
                case RunStates.Cancelled: cancelled = n; break;
            }
        }
        return new RunStateCounts(queued, running, succeeded, failed, cancelled);
    }

    /// <summary>See <see cref="GradientStore.Range"/>.</summary>
    public static IReadOnlyList<GradientRecord> GradientRange(IStoreDatabase database, long runId, long afterStep, long beforeStep,
        bool ascending, int limit, int every) =>
        Query(database,
            $"""
            SELECT {GradientColumns} FROM gradient_steps
            WHERE run_id = @run AND step > @after AND step < @before AND step % @every = 0
            ORDER BY step {(ascending ? "ASC" : "DESC")} LIMIT @limit;
            """, Gradient, ("@run", runId), ("@after", afterStep), ("@before", beforeStep), ("@every", (long)every), ("@limit", limit));

    // Undefined figures are NULL in both stores; the record holds them as NaN (loss, norm) or null.
    private static GradientRecord Gradient(DbDataReader r) => new(r.GetInt64(0), r.GetInt32(1), DoubleOrNaN(r, 2),
        DoubleOrNaN(r, 3), r.GetBoolean(4), r.GetBoolean(5), r.IsDBNull(6) ? null : r.GetDouble(6),
        r.IsDBNull(7) ? null : r.GetInt32(7), GradientStore.Profile(r.GetString(8)))
    {
        ClippedSteps = r.GetInt64(9),
        NonFiniteSteps = r.GetInt64(10),
    };

    private static double DoubleOrNaN(DbDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);

    private static List<T> Query<T>(IStoreDatabase database, string sql, Func<DbDataReader, T> read,
        params (string Name, object? Value)[] parameters)
    {
        using var connection = database.OpenConnection();
        using var command = Command(connection, sql, parameters);
        return StoredRows.All(command, read);
    }

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
