using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>Reading typed columns, and the one text form of timestamps in the store (round-trip ISO 8601, UTC).</summary>
internal static class Sql
{
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset ReadTime(SqliteDataReader r, int i) =>
        DateTimeOffset.Parse(r.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public static DateTimeOffset? ReadTimeOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : ReadTime(r, i);

    public static string? StringOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    public static long? LongOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    public static double? DoubleOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    /// <summary>SQLite has no NaN: an undefined figure is stored as NULL.</summary>
    public static object? Finite(double? value) => value is double v && double.IsFinite(v) ? v : null;
}
