using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>Reading typed columns, and the one text form of timestamps in the store (round-trip ISO 8601, UTC).</summary>
internal static class Sql
{
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset ReadTime(DbDataReader r, int i) =>
        DateTimeOffset.Parse(r.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public static double? DoubleOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    /// <summary>SQLite has no NaN: an undefined figure is stored as NULL.</summary>
    public static object? Finite(double? value) => value is double v && double.IsFinite(v) ? v : null;
}
