using System.Data.Common;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// What the SQLite and the PostgreSQL database offer the queries both stores share (<see cref="SharedQueries"/>): a
/// connection per operation, and their reading of a timestamp column (ISO 8601 text, timestamptz).
/// </summary>
internal interface IStoreDatabase
{
    DbConnection OpenConnection();

    DateTimeOffset ReadTime(DbDataReader reader, int column);
}
