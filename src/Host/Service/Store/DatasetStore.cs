using System.Text.Json;

namespace Recurrent.Host.Service.Store;

/// <summary>Uploaded datasets' descriptions; the files are in the data directory (and, in a fleet, in the artifacts).</summary>
internal sealed class DatasetStore(StoreDatabase database, TimeProvider clock)
{
    /// <summary>
    /// Reserves an id and records the dataset in one transaction; <paramref name="place"/> moves the validated file
    /// into place under that id before the commit, so a failure leaves neither row nor file.
    /// </summary>
    public DatasetRecord Add(DatasetRecord description, Action<long> place) => Add(description, (_, id) => place(id));

    /// <summary>The same, with the transaction's connection, for what must be recorded with it (the file's digest).</summary>
    public DatasetRecord Add(DatasetRecord description, Action<System.Data.Common.DbConnection, long> place)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var id = (long)StoreDatabase.Scalar(connection,
            """
            INSERT INTO datasets (name, format, size_bytes, sequences, input_kind, feature_count, classes, max_length, created_at)
            VALUES (@name, @format, @size, @sequences, @kind, @features, @classes, @max, @now) RETURNING id;
            """,
            ("@name", description.Name), ("@format", description.Format), ("@size", description.SizeBytes),
            ("@sequences", description.Sequences), ("@kind", description.InputKind), ("@features", description.FeatureCount),
            ("@classes", JsonSerializer.Serialize(description.Classes)), ("@max", description.MaxLength),
            ("@now", database.Dialect.Time(clock.GetUtcNow())))!;
        place(connection, id);
        transaction.Commit();
        return Get(id)!;
    }

    public DatasetRecord? Get(long id) =>
        database.First($"SELECT {StoredRows.DatasetColumns} FROM datasets WHERE id = @id;", Read, ("@id", id));

    public IReadOnlyList<DatasetRecord> List() =>
        database.Query($"SELECT {StoredRows.DatasetColumns} FROM datasets ORDER BY id;", Read);

    private DatasetRecord Read(System.Data.Common.DbDataReader r) => StoredRows.Dataset(r, database.Dialect);
}
