using Microsoft.Data.Sqlite;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Sqlite;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Store;

/// <summary>The store's schema is versioned and migrated on open, keeping what older versions stored.</summary>
public sealed class SchemaMigrationTests
{
    private static readonly int Latest = SqliteDialect.Instance.SchemaSteps.Count;

    [Fact]
    public void A_new_store_gets_the_latest_schema_and_reopening_changes_nothing()
    {
        var path = Path.Combine(ServiceProcess.NewDataDir(), "recurrent.db");
        var runs = new SqliteRunStore(new SqliteDatabase(path), TimeProvider.System);
        var run = runs.Create("kept", "{}")!;
        runs = new SqliteRunStore(new SqliteDatabase(path), TimeProvider.System);
        Assert.Equal(Latest, VersionOf(path));
        Assert.Equal("kept", runs.Get(run.Id)!.Name);
    }

    [Fact]
    public void A_version_1_store_is_migrated_with_its_runs_intact()
    {
        var path = Path.Combine(ServiceProcess.NewDataDir(), "recurrent.db");
        A_version_1_store(path);
        var database = new SqliteDatabase(path);
        Assert.Equal(Latest, VersionOf(path));
        Assert.Equal("old", new SqliteRunStore(database, TimeProvider.System).Get(1)!.Name);
        Assert.Empty(new GradientStore(database, new RunFence()).Since(1, 0, 10));
    }

    [Fact]
    public void A_store_migrated_from_version_1_has_the_tables_columns_and_keys_of_a_new_one()
    {
        var old = Path.Combine(ServiceProcess.NewDataDir(), "recurrent.db");
        A_version_1_store(old);
        _ = new SqliteDatabase(old);
        var fresh = Path.Combine(ServiceProcess.NewDataDir(), "recurrent.db");
        _ = new SqliteDatabase(fresh);
        Assert.Equal(Describe(fresh), Describe(old));
    }

    [Fact]
    public void A_version_2_store_gets_each_steps_running_clipped_and_non_finite_counts()
    {
        var path = Path.Combine(ServiceProcess.NewDataDir(), "recurrent.db");
        using (var connection = Open(path))
        {
            // Version 2's gradient table, as a build of that version created it, with two runs' steps.
            Execute(connection, "CREATE TABLE runs (id INTEGER PRIMARY KEY);"); // what later steps alter
            Execute(connection, "CREATE TABLE gradient_steps (run_id INTEGER NOT NULL, step INTEGER NOT NULL, epoch INTEGER NOT NULL, loss REAL, grad_norm REAL, clipped INTEGER NOT NULL, non_finite INTEGER NOT NULL, log10_vanishing_ratio REAL, memory_horizon INTEGER, profile_log10 TEXT NOT NULL, PRIMARY KEY (run_id, step)) WITHOUT ROWID;");
            Execute(connection, """
                INSERT INTO gradient_steps (run_id, step, epoch, clipped, non_finite, profile_log10) VALUES
                    (1, 1, 1, 1, 0, '[]'), (1, 2, 1, 0, 0, '[]'), (1, 3, 1, 1, 1, '[]'), (1, 4, 1, 1, 0, '[]'), (2, 1, 1, 0, 1, '[]');
                """);
            Execute(connection, "PRAGMA user_version = 2;");
        }
        var gradients = new GradientStore(new SqliteDatabase(path), new RunFence());

        Assert.Equal(Latest, VersionOf(path));
        Assert.Equal([(1L, 0L), (1, 0), (2, 1), (3, 1)],
            gradients.Since(1, 0, 10).Select(s => (s.ClippedSteps, s.NonFiniteSteps)));
        Assert.Equal(0.75, gradients.Last(1)!.ClipRate);
        Assert.Equal((0L, 1L), (gradients.Last(2)!.ClippedSteps, gradients.Last(2)!.NonFiniteSteps));
    }

    [Fact]
    public void A_store_from_a_newer_build_is_refused_and_left_alone()
    {
        var path = Path.Combine(ServiceProcess.NewDataDir(), "recurrent.db");
        using (var connection = Open(path))
            Execute(connection, $"PRAGMA user_version = {Latest + 1};");
        var error = Assert.Throws<InvalidOperationException>(() => new SqliteDatabase(path));
        Assert.Contains("newer than this build", error.Message);
        Assert.Equal(Latest + 1, VersionOf(path));
    }

    /// <summary>Exactly what version 1 created: its step applied by hand, as a build of that version would have, with one run.</summary>
    /// <summary>Exactly what version 1 created (its one step as that build shipped it), with one run.</summary>
    private static void A_version_1_store(string path)
    {
        using var connection = Open(path);
        Execute(connection, """
            CREATE TABLE datasets (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL,
                format TEXT NOT NULL,
                size_bytes INTEGER NOT NULL,
                sequences INTEGER NOT NULL,
                input_kind TEXT NOT NULL,
                feature_count INTEGER NOT NULL,
                classes TEXT NOT NULL,
                max_length INTEGER NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE TABLE runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL UNIQUE,
                state TEXT NOT NULL,
                request TEXT NOT NULL,
                created_at TEXT NOT NULL,
                started_at TEXT,
                finished_at TEXT,
                step INTEGER NOT NULL DEFAULT 0,
                epoch INTEGER NOT NULL DEFAULT 0,
                checkpoint_step INTEGER,
                error TEXT,
                result TEXT
            );
            CREATE INDEX runs_state ON runs(state, id);
            CREATE TABLE epochs (
                run_id INTEGER NOT NULL REFERENCES runs(id),
                epoch INTEGER NOT NULL,
                step INTEGER NOT NULL,
                train_loss REAL,
                train_accuracy REAL,
                valid_loss REAL,
                valid_accuracy REAL,
                learning_rate REAL,
                PRIMARY KEY (run_id, epoch)
            );
            CREATE TABLE events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER REFERENCES runs(id),
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                message TEXT NOT NULL
            );
            INSERT INTO runs (name, state, request, created_at) VALUES ('old', 'succeeded', '{}', '2026-01-01T00:00:00.0000000Z');
            PRAGMA user_version = 1;
            """);
    }

    /// <summary>Every table's columns (name, type, not null, default, key) and foreign keys, every index's columns, and which tables have no rowid.</summary>
    private static string[] Describe(string path)
    {
        using var connection = Open(path);
        var names = new List<(string Name, string Type, bool NoRowId)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, type, sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                names.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        }
        var described = new List<string>();
        foreach (var (name, type, noRowId) in names)
        {
            var pragmas = type == "table" ? new[] { "table_info", "foreign_key_list" } : ["index_info"];
            var rows = pragmas.SelectMany(pragma => Rows(connection, $"PRAGMA {pragma}('{name}');"));
            described.Add($"{type} {name}{(noRowId ? " without rowid" : "")}: {string.Join("; ", rows)}");
        }
        return [.. described];
    }

    private static IEnumerable<string> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join(" ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : reader.GetValue(i).ToString())));
        return rows;
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static int VersionOf(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
