using Npgsql;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Postgres;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Store;

/// <summary>The PostgreSQL store's schema migrates on open, keeping what older versions stored.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PgSchemaMigrationTests(PostgresCluster cluster)
{
    [Fact]
    public void A_version_1_store_gets_each_steps_running_clipped_and_non_finite_counts()
    {
        var connectionString = cluster.NewDatabase();
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            // Version 1's gradient table and version row, as a build of that version left them, with two runs' steps.
            StoreDatabase.Execute(connection, "CREATE TABLE recurrent_schema (version integer NOT NULL); INSERT INTO recurrent_schema VALUES (1);");
            StoreDatabase.Execute(connection, "CREATE TABLE runs (id bigint PRIMARY KEY);"); // what later steps alter
            StoreDatabase.Execute(connection, "CREATE TABLE gradient_steps (run_id bigint NOT NULL, step bigint NOT NULL, epoch integer NOT NULL, loss double precision, grad_norm double precision, clipped boolean NOT NULL, non_finite boolean NOT NULL, log10_vanishing_ratio double precision, memory_horizon integer, profile_log10 text NOT NULL, PRIMARY KEY (run_id, step));");
            StoreDatabase.Execute(connection, """
                INSERT INTO gradient_steps (run_id, step, epoch, clipped, non_finite, profile_log10) VALUES
                    (1, 1, 1, true, false, '[]'), (1, 2, 1, false, false, '[]'), (1, 3, 1, true, true, '[]'),
                    (1, 4, 1, true, false, '[]'), (2, 1, 1, false, true, '[]');
                """);
        }
        using var database = new PgDatabase(connectionString);
        var gradients = new GradientStore(database, new PgRunFence());

        Assert.Equal(PostgresDialect.Instance.SchemaSteps.Count, database.SchemaVersion);
        Assert.Equal([(1L, 0L), (1, 0), (2, 1), (3, 1)],
            gradients.Since(1, 0, 10).Select(s => (s.ClippedSteps, s.NonFiniteSteps)));
        Assert.Equal(0.75, gradients.Last(1)!.ClipRate);
        Assert.Equal((0L, 1L), (gradients.Last(2)!.ClippedSteps, gradients.Last(2)!.NonFiniteSteps));
    }
}
