using Npgsql;
using NpgsqlTypes;
using Recurrent.Diagnostics;
using Recurrent.Host.Service.Gradients;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>Every step's gradient record in PostgreSQL; a step trained again after a move overwrites itself.</summary>
internal sealed class PgGradientStore(PgDatabase database) : GradientStore
{
    public override void Add(long runId, IReadOnlyList<GradientRecord> records)
    {
        if (records.Count == 0)
            return;
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var p in records)
        {
            var command = new NpgsqlBatchCommand(
                """
                INSERT INTO gradient_steps
                    (run_id, step, epoch, loss, grad_norm, clipped, non_finite, log10_vanishing_ratio, memory_horizon, profile_log10,
                     clipped_steps, non_finite_steps)
                VALUES (@run, @step, @epoch, @loss, @norm, @clipped, @nonfinite, @ratio, @horizon, @profile, @clippedsteps, @nonfinitesteps)
                ON CONFLICT (run_id, step) DO UPDATE SET epoch = EXCLUDED.epoch, loss = EXCLUDED.loss,
                    grad_norm = EXCLUDED.grad_norm, clipped = EXCLUDED.clipped, non_finite = EXCLUDED.non_finite,
                    log10_vanishing_ratio = EXCLUDED.log10_vanishing_ratio, memory_horizon = EXCLUDED.memory_horizon,
                    profile_log10 = EXCLUDED.profile_log10, clipped_steps = EXCLUDED.clipped_steps,
                    non_finite_steps = EXCLUDED.non_finite_steps;
                """);
            command.Parameters.AddWithValue("run", runId);
            command.Parameters.AddWithValue("step", p.Step);
            command.Parameters.AddWithValue("epoch", p.Epoch);
            command.Parameters.AddWithValue("loss", NpgsqlDbType.Double, StoredRows.Finite(p.Loss) ?? DBNull.Value);
            command.Parameters.AddWithValue("norm", NpgsqlDbType.Double, StoredRows.Finite(p.GradNorm) ?? DBNull.Value);
            command.Parameters.AddWithValue("clipped", p.Clipped);
            command.Parameters.AddWithValue("nonfinite", p.NonFinite);
            command.Parameters.AddWithValue("ratio", NpgsqlDbType.Double, StoredRows.Finite(p.Log10VanishingRatio) ?? DBNull.Value);
            command.Parameters.AddWithValue("horizon", NpgsqlDbType.Integer, (object?)p.MemoryHorizon ?? DBNull.Value);
            command.Parameters.AddWithValue("profile", ProfileJson(p.ProfileLog10));
            command.Parameters.AddWithValue("clippedsteps", p.ClippedSteps);
            command.Parameters.AddWithValue("nonfinitesteps", p.NonFiniteSteps);
            batch.BatchCommands.Add(command);
        }
        batch.ExecuteNonQuery();
        transaction.Commit();
    }

    public override IReadOnlyList<GradientRecord> Range(long runId, long afterStep, long beforeStep, bool ascending, int limit, int every) =>
        SharedQueries.GradientRange(database, runId, afterStep, beforeStep, ascending, limit, every);
}
