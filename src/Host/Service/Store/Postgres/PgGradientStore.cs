using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Recurrent.Host.Service.Gradients;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>Every step's gradient point in PostgreSQL; a step trained again after a move overwrites itself.</summary>
internal sealed class PgGradientStore(PgDatabase database) : GradientStore
{
    public override void Add(long runId, IReadOnlyList<GradientPoint> points)
    {
        if (points.Count == 0)
            return;
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var p in points)
        {
            var command = new NpgsqlBatchCommand(
                """
                INSERT INTO gradient_steps
                    (run_id, step, epoch, loss, grad_norm, clipped, non_finite, log10_vanishing_ratio, memory_horizon, profile_log10)
                VALUES (@run, @step, @epoch, @loss, @norm, @clipped, @nonfinite, @ratio, @horizon, @profile)
                ON CONFLICT (run_id, step) DO UPDATE SET epoch = EXCLUDED.epoch, loss = EXCLUDED.loss,
                    grad_norm = EXCLUDED.grad_norm, clipped = EXCLUDED.clipped, non_finite = EXCLUDED.non_finite,
                    log10_vanishing_ratio = EXCLUDED.log10_vanishing_ratio, memory_horizon = EXCLUDED.memory_horizon,
                    profile_log10 = EXCLUDED.profile_log10;
                """);
            command.Parameters.AddWithValue("run", runId);
            command.Parameters.AddWithValue("step", p.Step);
            command.Parameters.AddWithValue("epoch", p.Epoch);
            command.Parameters.AddWithValue("loss", NpgsqlDbType.Double, PgSql.Finite(p.Loss) ?? DBNull.Value);
            command.Parameters.AddWithValue("norm", NpgsqlDbType.Double, PgSql.Finite(p.GradNorm) ?? DBNull.Value);
            command.Parameters.AddWithValue("clipped", p.Clipped);
            command.Parameters.AddWithValue("nonfinite", p.NonFinite);
            command.Parameters.AddWithValue("ratio", NpgsqlDbType.Double, PgSql.Finite(p.Log10VanishingRatio) ?? DBNull.Value);
            command.Parameters.AddWithValue("horizon", NpgsqlDbType.Integer, (object?)p.MemoryHorizon ?? DBNull.Value);
            command.Parameters.AddWithValue("profile",
                JsonSerializer.Serialize(p.ProfileLog10.Select(v => double.IsFinite(v) ? v : (double?)null)));
            batch.BatchCommands.Add(command);
        }
        batch.ExecuteNonQuery();
        transaction.Commit();
    }

    public override StoredRunSummary? Summary(long runId)
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection,
            """
            SELECT loss, log10_vanishing_ratio, (SELECT AVG(clipped::integer)::double precision FROM gradient_steps WHERE run_id = @run)
            FROM gradient_steps WHERE run_id = @run ORDER BY step DESC LIMIT 1;
            """, ("run", runId));
        using var r = command.ExecuteReader();
        return r.Read()
            ? new StoredRunSummary(PgSql.DoubleOrNull(r, 0) ?? double.NaN, PgSql.DoubleOrNull(r, 1), PgSql.DoubleOrNull(r, 2) ?? 0)
            : null;
    }

    public override IReadOnlyList<GradientPoint> Range(long runId, long afterStep, long beforeStep, bool ascending, int limit, int every)
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection,
            $"""
            SELECT step, epoch, loss, grad_norm, clipped, non_finite, log10_vanishing_ratio, memory_horizon, profile_log10
            FROM gradient_steps WHERE run_id = @run AND step > @after AND step < @before AND step % @every = 0
            ORDER BY step {(ascending ? "ASC" : "DESC")} LIMIT @limit;
            """, ("run", runId), ("after", afterStep), ("before", beforeStep), ("every", (long)every), ("limit", limit));
        using var r = command.ExecuteReader();
        var points = new List<GradientPoint>();
        while (r.Read())
        {
            var profile = JsonSerializer.Deserialize<double?[]>(r.GetString(8)) ?? [];
            points.Add(new GradientPoint(r.GetInt64(0), r.GetInt32(1), PgSql.DoubleOrNull(r, 2) ?? double.NaN,
                PgSql.DoubleOrNull(r, 3) ?? double.NaN, r.GetBoolean(4), r.GetBoolean(5), PgSql.DoubleOrNull(r, 6),
                r.IsDBNull(7) ? null : r.GetInt32(7), profile.Select(v => v ?? double.NaN).ToArray()));
        }
        return points;
    }
}
