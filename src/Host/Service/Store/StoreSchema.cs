namespace Recurrent.Host.Service.Store;

/// <summary>
/// The store's schema, written once in the dialect's types, and the one migration runner. A dialect lists the steps
/// it shipped (<see cref="SqlDialect.SchemaSteps"/>); the store records how many it applied, and all that are due
/// run in one transaction, so a crash during a migration leaves the previous version intact. Append new steps;
/// never edit what a shipped step creates.
/// </summary>
internal static class StoreSchema
{
    /// <summary>Datasets, runs, their epochs and events: the first step of every store.</summary>
    public static string Tables(SqlDialect d) => $"""
        CREATE TABLE datasets (
            id {d.Identity},
            name text NOT NULL,
            format text NOT NULL,
            size_bytes {d.BigInt} NOT NULL,
            sequences integer NOT NULL,
            input_kind text NOT NULL,
            feature_count integer NOT NULL,
            classes text NOT NULL,
            max_length integer NOT NULL,
            created_at {d.Timestamp} NOT NULL
        );
        CREATE TABLE runs (
            id {d.Identity},
            name text NOT NULL UNIQUE,
            state text NOT NULL,
            request text NOT NULL,
            created_at {d.Timestamp} NOT NULL,
            started_at {d.Timestamp},
            finished_at {d.Timestamp},
            step {d.BigInt} NOT NULL DEFAULT 0,
            epoch integer NOT NULL DEFAULT 0,
            checkpoint_step {d.BigInt},
            error text,
            result text
        );
        CREATE INDEX runs_state ON runs (state, id);
        CREATE TABLE epochs (
            run_id {d.BigInt} NOT NULL REFERENCES runs (id),
            epoch integer NOT NULL,
            step {d.BigInt} NOT NULL,
            train_loss {d.Double},
            train_accuracy {d.Double},
            valid_loss {d.Double},
            valid_accuracy {d.Double},
            learning_rate {d.Double},
            PRIMARY KEY (run_id, epoch)
        );
        CREATE TABLE events (
            id {d.Identity},
            run_id {d.BigInt} REFERENCES runs (id),
            at {d.Timestamp} NOT NULL,
            kind text NOT NULL,
            message text NOT NULL
        );

        """;

    /// <summary>The gradient history, so /api/runs/{id}/gradients still answers after a restart.</summary>
    public static string GradientSteps(SqlDialect d) => $"""
        CREATE TABLE gradient_steps (
            run_id {d.BigInt} NOT NULL REFERENCES runs (id),
            step {d.BigInt} NOT NULL,
            epoch integer NOT NULL,
            loss {d.Double},
            grad_norm {d.Double},
            clipped {d.Boolean} NOT NULL,
            non_finite {d.Boolean} NOT NULL,
            log10_vanishing_ratio {d.Double},
            memory_horizon integer,
            profile_log10 text NOT NULL,
            PRIMARY KEY (run_id, step)
        ){d.KeyOnlyTable};

        """;

    /// <summary>
    /// The trainer's running clipped and non-finite counts with each step, so an ended run shows the trainer's counts
    /// rather than a re-count of its stored steps; older steps get theirs summed in step order.
    /// </summary>
    public static string RunningCounts(SqlDialect d) => $"""
        ALTER TABLE gradient_steps ADD COLUMN clipped_steps {d.BigInt} NOT NULL DEFAULT 0;
        ALTER TABLE gradient_steps ADD COLUMN non_finite_steps {d.BigInt} NOT NULL DEFAULT 0;
        UPDATE gradient_steps SET clipped_steps = c.clipped_steps, non_finite_steps = c.non_finite_steps
        FROM (SELECT run_id, step, SUM(CASE WHEN clipped THEN 1 ELSE 0 END) OVER w AS clipped_steps,
                  SUM(CASE WHEN non_finite THEN 1 ELSE 0 END) OVER w AS non_finite_steps
              FROM gradient_steps WINDOW w AS (PARTITION BY run_id ORDER BY step)) AS c
        WHERE gradient_steps.run_id = c.run_id AND gradient_steps.step = c.step;

        """;

    /// <summary>
    /// The SHA-256 of every file a run or an upload stored (checkpoints, models, ONNX exports, datasets), by its path
    /// in the data directory, checked whenever the file is read, so a damaged file is named rather than used.
    /// </summary>
    public static string FileDigests(SqlDialect d) => $"""
        CREATE TABLE file_digests (
            key text PRIMARY KEY,
            sha256 text NOT NULL,
            size_bytes {d.BigInt} NOT NULL
        ){d.KeyOnlyTable};

        """;

    /// <summary>
    /// Gradient health in depth: each step's share of updated steps (skip-update networks; NULL for the others) and
    /// its per layer, direction and block figures (paths, blocks, saturation: one JSON object, NULL when the run's
    /// detail level computes none); and which runs are the built-in demo, which train beside the user's runs rather
    /// than in their slots.
    /// </summary>
    public static string GradientDetail(SqlDialect d) => $"""
        ALTER TABLE gradient_steps ADD COLUMN update_share {d.Double};
        ALTER TABLE gradient_steps ADD COLUMN detail text;
        ALTER TABLE runs ADD COLUMN demo {d.Boolean} NOT NULL DEFAULT FALSE;

        """;

    /// <summary>Migrates the store to its dialect's latest version and returns that version.</summary>
    public static int Apply(StoreDatabase database)
    {
        var dialect = database.Dialect;
        var steps = dialect.SchemaSteps;
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var current = dialect.LockSchemaVersion(connection);
        if (current > steps.Count)
            throw new InvalidOperationException(
                $"The {dialect.StoreName} has schema version {current}, newer than this build's {steps.Count}; use a newer recurrent.");
        for (var version = current; version < steps.Count; version++)
        {
            StoreDatabase.Execute(connection, steps[version]);
            dialect.WriteSchemaVersion(connection, version + 1);
        }
        transaction.Commit();
        return steps.Count;
    }
}
