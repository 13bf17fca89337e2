using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>
/// The SQLite file of runs, datasets and events. Opens a connection per operation (SQLite pools them), in WAL mode
/// so readers never wait for the worker's writes, and migrates the schema on start.
/// </summary>
internal sealed class Database : IStoreDatabase
{
    private readonly string _connectionString;

    public Database(string path)
    {
        OwnerOnly(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        SchemaMigrations.Apply(connection);
    }

    // Runs, requests and errors are the owner's business, like the token: the file is created 0600 (SQLite gives
    // its -wal and -shm files the database file's mode), and an older store's files are narrowed to it.
    private static void OwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (!File.Exists(path))
            new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }).Dispose();
        foreach (var file in new[] { path, path + "-wal", path + "-shm" }.Where(File.Exists))
            File.SetUnixFileMode(file, mode);
    }

    public DbConnection OpenConnection() => Open();

    public DateTimeOffset ReadTime(DbDataReader reader, int column) => Sql.ReadTime(reader, column);

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Full sync: a run marked succeeded must still be succeeded after a power cut.
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;");
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}
