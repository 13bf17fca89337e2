using System.Data.Common;
using System.Globalization;

namespace Recurrent.Host.Service.Store.Sqlite;

/// <summary>The one text form of timestamps in the store (round-trip ISO 8601, UTC), written and read.</summary>
internal static class Sql
{
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset ReadTime(DbDataReader r, int i) =>
        DateTimeOffset.Parse(r.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
