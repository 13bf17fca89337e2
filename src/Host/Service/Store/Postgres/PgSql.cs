using System.Data.Common;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>A timestamptz column as a UTC timestamp.</summary>
internal static class PgSql
{
    public static DateTimeOffset Time(DbDataReader r, int i) => new(DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc));
}
