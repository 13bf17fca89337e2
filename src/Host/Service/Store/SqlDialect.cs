using System.Data.Common;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// What SQLite and PostgreSQL spell differently in this store, and nothing else: the column types of the schema, how
/// a timestamp is written and read, where the schema version is kept, and the history of schema steps each store
/// shipped. Every query is written once over it (both read <c>@name</c> parameters, <c>ON CONFLICT</c> upserts,
/// <c>RETURNING</c> and <c>TRUE</c>); what only a fleet does (leases, claims that skip locked rows) is PostgreSQL's own.
/// </summary>
internal abstract class SqlDialect
{
    /// <summary>How errors name the store.</summary>
    public abstract string StoreName { get; }

    /// <summary>An auto-numbered 64-bit primary key.</summary>
    public abstract string Identity { get; }

    public abstract string BigInt { get; }

    public abstract string Double { get; }

    public abstract string Boolean { get; }

    public abstract string Timestamp { get; }

    /// <summary>What follows a table of a composite key that is looked up by it alone.</summary>
    public abstract string KeyOnlyTable { get; }

    /// <summary>A timestamp as a parameter value.</summary>
    public abstract object Time(DateTimeOffset time);

    /// <summary>A timestamp column as a UTC timestamp.</summary>
    public abstract DateTimeOffset ReadTime(DbDataReader reader, int column);

    /// <summary>The schema steps this store applies in order (<see cref="StoreSchema"/>); their count is its version.</summary>
    public abstract IReadOnlyList<string> SchemaSteps { get; }

    /// <summary>
    /// Inside the migration's transaction: keeps other processes from migrating at the same time, and returns the
    /// version the store is at.
    /// </summary>
    public abstract int LockSchemaVersion(DbConnection connection);

    public abstract void WriteSchemaVersion(DbConnection connection, int version);
}
