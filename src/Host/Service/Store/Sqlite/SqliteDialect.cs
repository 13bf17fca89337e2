using System.Data.Common;
using System.Globalization;

namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>SQLite's spelling: timestamps as round-trip ISO 8601 text (UTC), the version in <c>PRAGMA user_version</c>.</summary>
internal sealed class SqliteDialect : SqlDialect
{
    public static SqliteDialect Instance { get; } = new();

    public override string StoreName => "store";

    public override string Identity => "INTEGER PRIMARY KEY AUTOINCREMENT";

    public override string BigInt => "INTEGER";

    public override string Double => "REAL";

    public override string Boolean => "INTEGER";

    public override string Timestamp => "TEXT";

    public override string KeyOnlyTable => " WITHOUT ROWID";

    public override object Time(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public override DateTimeOffset ReadTime(DbDataReader reader, int column) =>
        DateTimeOffset.Parse(reader.GetString(column), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>
    /// The embedded store grew its gradient history, then the running counts, then a user's cancel that the run's
    /// end honours and the files' digests, then the gradient detail and the demo lane, a step each.
    /// </summary>
    public override IReadOnlyList<string> SchemaSteps { get; }

    private SqliteDialect() => SchemaSteps =
    [
        StoreSchema.Tables(this), StoreSchema.GradientSteps(this), StoreSchema.RunningCounts(this),
        "ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;\n" + StoreSchema.FileDigests(this),
        StoreSchema.GradientDetail(this),
    ];

    // The migration's write transaction is the lock: SQLite admits one writer at a time.
    public override int LockSchemaVersion(DbConnection connection) =>
        Convert.ToInt32(StoreDatabase.Scalar(connection, "PRAGMA user_version;"), CultureInfo.InvariantCulture);

    public override void WriteSchemaVersion(DbConnection connection, int version) =>
        StoreDatabase.Execute(connection, $"PRAGMA user_version = {version};");
}
