using System.Data.Common;
using System.Text.Json;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>Uploaded datasets' descriptions in PostgreSQL; their files are artifacts (<see cref="PgArtifacts"/>).</summary>
internal sealed class PgDatasetStore(PgDatabase database, TimeProvider clock) : DatasetStore
{
    public override DatasetRecord Add(DatasetRecord description, Action<long> place)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        long id;
        using (var command = PgDatabase.Command(connection,
            """
            INSERT INTO datasets (name, format, size_bytes, sequences, input_kind, feature_count, classes, max_length, created_at)
            VALUES (@name, @format, @size, @sequences, @kind, @features, @classes, @max, @now) RETURNING id;
            """,
            ("name", description.Name), ("format", description.Format), ("size", description.SizeBytes),
            ("sequences", description.Sequences), ("kind", description.InputKind), ("features", description.FeatureCount),
            ("classes", JsonSerializer.Serialize(description.Classes)), ("max", description.MaxLength), ("now", clock.GetUtcNow())))
            id = (long)command.ExecuteScalar()!;
        place(id);
        transaction.Commit();
        return Get(id)!;
    }

    public override DatasetRecord? Get(long id) => SharedQueries.Dataset(database, id);

    public override IReadOnlyList<DatasetRecord> List() => SharedQueries.Datasets(database);
}
