using System.Text.Json;
using Npgsql;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>Uploaded datasets' descriptions in PostgreSQL; their files are artifacts (<see cref="PgArtifacts"/>).</summary>
internal sealed class PgDatasetStore(PgDatabase database, TimeProvider clock) : DatasetStore
{
    private const string Columns =
        "id, name, format, size_bytes, sequences, input_kind, feature_count, classes, max_length, created_at";

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

    public override DatasetRecord? Get(long id)
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection, $"SELECT {Columns} FROM datasets WHERE id = @id;", ("id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public override IReadOnlyList<DatasetRecord> List()
    {
        using var connection = database.Open();
        using var command = PgDatabase.Command(connection, $"SELECT {Columns} FROM datasets ORDER BY id;");
        using var reader = command.ExecuteReader();
        var datasets = new List<DatasetRecord>();
        while (reader.Read())
            datasets.Add(Read(reader));
        return datasets;
    }

    private static DatasetRecord Read(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt32(4), r.GetString(5), r.GetInt32(6),
        JsonSerializer.Deserialize<string[]>(r.GetString(7)) ?? [], r.GetInt32(8), PgSql.Time(r, 9));
}
