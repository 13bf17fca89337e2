using System.Data.Common;
using Npgsql;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>Reading typed columns of PostgreSQL rows; undefined figures are NULL, as in the embedded store.</summary>
internal static class PgSql
{
    public static DateTimeOffset Time(DbDataReader r, int i) => new(DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc));

    public static double? DoubleOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    /// <summary>NaN and infinities are stored as NULL, so both stores answer the same.</summary>
    public static object? Finite(double? value) => value is double v && double.IsFinite(v) ? v : null;
}
