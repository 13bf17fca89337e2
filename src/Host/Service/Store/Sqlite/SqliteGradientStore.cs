using System.Text.Json;
using Recurrent.Diagnostics;
using Recurrent.Host.Service.Gradients;

namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>
/// Every step's gradient record, written in batches at each checkpoint. Steps after the last checkpoint are lost in
/// a crash, but the resumed run trains them again and writes the same values.
/// </summary>
internal sealed class SqliteGradientStore(Database database) : GradientStore
{
    public override void Add(long runId, IReadOnlyList<GradientRecord> records)
    {
        if (records.Count == 0)
            return;
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var command = Database.Command(connection,
            """
            INSERT OR REPLACE INTO gradient_steps
                (run_id, step, epoch, loss, grad_norm, clipped, non_finite, log10_vanishing_ratio, memory_horizon, profile_log10,
                 clipped_steps, non_finite_steps)
            VALUES ($run, $step, $epoch, $loss, $norm, $clipped, $nonfinite, $ratio, $horizon, $profile, $clippedsteps, $nonfinitesteps);
            """);
        var parameters = new[] { "$run", "$step", "$epoch", "$loss", "$norm", "$clipped", "$nonfinite", "$ratio", "$horizon", "$profile",
            "$clippedsteps", "$nonfinitesteps" }
            .Select(name => command.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter { ParameterName = name })).ToArray();
        foreach (var p in records)
        {
            object?[] values =
            [
                runId, p.Step, p.Epoch, StoredRows.Finite(p.Loss), StoredRows.Finite(p.GradNorm), p.Clipped, p.NonFinite,
                StoredRows.Finite(p.Log10VanishingRatio), p.MemoryHorizon, ProfileJson(p.ProfileLog10), p.ClippedSteps, p.NonFiniteSteps,
            ];
            for (var i = 0; i < values.Length; i++)
                parameters[i].Value = values[i] ?? DBNull.Value;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public override IReadOnlyList<GradientRecord> Range(long runId, long afterStep, long beforeStep, bool ascending, int limit, int every) =>
        SharedQueries.GradientRange(database, runId, afterStep, beforeStep, ascending, limit, every);
}
