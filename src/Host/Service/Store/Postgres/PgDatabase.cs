using System.Data.Common;
using Npgsql;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>
/// The PostgreSQL database a fleet of workers shares: a pooled data source, and the schema migrated on start
/// under an advisory lock, so workers starting at the same moment migrate it once.
/// </summary>
internal sealed class PgDatabase : IStoreDatabase, IDisposable
{
    // Any constant: the key of the advisory lock that serialises migrations across workers.
    private const long MigrationLock = 0x5265_6375_7272_656E; // "Recurren"

    public PgDatabase(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Recurrent:Postgres is not an Npgsql connection string: {e.Message}");
        }
        // A worker that lost the database notices within seconds rather than hanging on a dead socket.
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
            builder.Timeout = 5;
        builder.ApplicationName ??= "recurrent";
        Source = NpgsqlDataSource.Create(builder.ConnectionString);
        try
        {
            using var connection = Open();
            SchemaVersion = PgSchemaMigrations.Apply(connection, MigrationLock);
        }
        catch (NpgsqlException e)
        {
            Source.Dispose();
            throw new InvalidOperationException($"PostgreSQL at {builder.Host}:{builder.Port} ({builder.Database}): {e.Message}");
        }
    }

    public NpgsqlDataSource Source { get; }

    public int SchemaVersion { get; }

    public NpgsqlConnection Open() => Source.OpenConnection();

    public DbConnection OpenConnection() => Open();

    public DateTimeOffset ReadTime(DbDataReader reader, int column) => PgSql.Time(reader, column);

    public static int Execute(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public void Dispose() => Source.Dispose();
}
