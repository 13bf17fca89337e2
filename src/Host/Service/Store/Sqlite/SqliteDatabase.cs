using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>
/// The SQLite file of runs, datasets and events. Opens a connection per operation (SQLite pools them), in WAL mode
/// so readers never wait for the worker's writes, and migrates the schema on start.
/// </summary>
internal sealed class SqliteDatabase : StoreDatabase
{
    private readonly string _connectionString;

    public SqliteDatabase(string path)
        : base(SqliteDialect.Instance)
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
        using (var connection = Open())
            Execute(connection, "PRAGMA journal_mode=WAL;");
        SchemaVersion = StoreSchema.Apply(this);
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

    public override DbConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Full sync: a run marked succeeded must still be succeeded after a power cut.
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;");
        return connection;
    }
}
