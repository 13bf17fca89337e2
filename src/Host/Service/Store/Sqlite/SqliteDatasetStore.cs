using System.Data.Common;
using System.Text.Json;

namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>Uploaded datasets' descriptions; the files themselves are in the data directory.</summary>
internal sealed class SqliteDatasetStore(Database database, TimeProvider clock) : DatasetStore
{
    /// <summary>
    /// Reserves an id and records the dataset in one transaction; <paramref name="place"/> moves the validated file
    /// into place under that id before the commit, so a failure leaves neither row nor file.
    /// </summary>
    public override DatasetRecord Add(DatasetRecord description, Action<long> place)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        Database.Execute(connection,
            """
            INSERT INTO datasets (name, format, size_bytes, sequences, input_kind, feature_count, classes, max_length, created_at)
            VALUES ($name, $format, $size, $sequences, $kind, $features, $classes, $max, $now);
            """,
            ("$name", description.Name), ("$format", description.Format), ("$size", description.SizeBytes),
            ("$sequences", description.Sequences), ("$kind", description.InputKind), ("$features", description.FeatureCount),
            ("$classes", JsonSerializer.Serialize(description.Classes)), ("$max", description.MaxLength),
            ("$now", Sql.Time(clock.GetUtcNow())));
        long id;
        using (var command = Database.Command(connection, "SELECT last_insert_rowid();"))
            id = (long)command.ExecuteScalar()!;
        place(id);
        transaction.Commit();
        return Get(id)!;
    }

    public override DatasetRecord? Get(long id) => SharedQueries.Dataset(database, id);

    public override IReadOnlyList<DatasetRecord> List() => SharedQueries.Datasets(database);
}
