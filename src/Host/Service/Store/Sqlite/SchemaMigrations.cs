using Microsoft.Data.Sqlite;

namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>
/// The store's schema as an ordered list of steps; <c>PRAGMA user_version</c> records how many have been applied.
/// Each step runs in its own transaction, so a crash during a migration leaves the previous version intact.
/// Append new steps; never edit one that has shipped.
/// </summary>
internal static class SchemaMigrations
{
    private static readonly string[] Steps =
    [
        """
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
        """,
        // 2: the gradient history, so /api/runs/{id}/gradients still answers after a restart.
        """
        CREATE TABLE gradient_steps (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            step INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            loss REAL,
            grad_norm REAL,
            clipped INTEGER NOT NULL,
            non_finite INTEGER NOT NULL,
            log10_vanishing_ratio REAL,
            memory_horizon INTEGER,
            profile_log10 TEXT NOT NULL,
            PRIMARY KEY (run_id, step)
        ) WITHOUT ROWID;
        """,
        // 3: the trainer's running clipped and non-finite counts with each step, so an ended run shows the trainer's
        // counts rather than a re-count of its stored steps; older steps get theirs summed in step order.
        """
        ALTER TABLE gradient_steps ADD COLUMN clipped_steps INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE gradient_steps ADD COLUMN non_finite_steps INTEGER NOT NULL DEFAULT 0;
        UPDATE gradient_steps SET clipped_steps = c.clipped_steps, non_finite_steps = c.non_finite_steps
        FROM (SELECT run_id, step, SUM(clipped) OVER w AS clipped_steps, SUM(non_finite) OVER w AS non_finite_steps
              FROM gradient_steps WINDOW w AS (PARTITION BY run_id ORDER BY step)) AS c
        WHERE gradient_steps.run_id = c.run_id AND gradient_steps.step = c.step;
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int Latest => Steps.Length;

    public static void Apply(SqliteConnection connection)
    {
        var current = Version(connection);
        if (current > Latest)
            throw new InvalidOperationException(
                $"The store has schema version {current}, newer than this build's {Latest}; use a newer recurrent.");
        for (var version = current; version < Latest; version++)
        {
            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = Steps[version] + $"\nPRAGMA user_version = {version + 1};";
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    public static int Version(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
