using System.Data.Common;
using System.Text.Json;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// The stores' rows as records, once for both implementations: each table's columns in one order
/// (<see cref="RunColumns"/>, <see cref="DatasetColumns"/>, <see cref="EpochColumns"/>). What differs between SQLite and
/// PostgreSQL is how a timestamp is stored (ISO 8601 text, timestamptz): each store passes its reader of one.
/// </summary>
internal static class StoredRows
{
    /// <summary>A timestamp column as the store keeps it.</summary>
    public delegate DateTimeOffset TimeReader(DbDataReader reader, int column);

    public const string RunColumns =
        "id, name, state, request, created_at, started_at, finished_at, step, epoch, checkpoint_step, error, result";

    public const string DatasetColumns =
        "id, name, format, size_bytes, sequences, input_kind, feature_count, classes, max_length, created_at";

    public const string EpochColumns = "epoch, step, train_loss, train_accuracy, valid_loss, valid_accuracy, learning_rate";

    /// <summary>A run from the columns <see cref="RunColumns"/> (a store may select more after them).</summary>
    public static RunRecord Run(DbDataReader r, TimeReader time) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), time(r, 4), TimeOrNull(r, 5, time),
        TimeOrNull(r, 6, time), r.GetInt64(7), r.GetInt32(8), r.IsDBNull(9) ? null : r.GetInt64(9),
        r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11));

    /// <summary>A dataset's description from the columns <see cref="DatasetColumns"/>.</summary>
    public static DatasetRecord Dataset(DbDataReader r, TimeReader time) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt32(4), r.GetString(5), r.GetInt32(6),
        JsonSerializer.Deserialize<string[]>(r.GetString(7)) ?? [], r.GetInt32(8), time(r, 9));

    /// <summary>An epoch from the columns <see cref="EpochColumns"/>; undefined figures are NULL in both stores.</summary>
    public static EpochRecord Epoch(DbDataReader r) => new(r.GetInt32(0), r.GetInt64(1), DoubleOrNull(r, 2),
        DoubleOrNull(r, 3), DoubleOrNull(r, 4), DoubleOrNull(r, 5), DoubleOrNull(r, 6));

    /// <summary>Every row of the command's result, read by <paramref name="read"/>.</summary>
    public static List<T> All<T>(DbCommand command, Func<DbDataReader, T> read)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
            rows.Add(read(reader));
        return rows;
    }

    /// <summary>The first row of the command's result, or null when there is none.</summary>
    public static T? First<T>(DbCommand command, Func<DbDataReader, T> read)
        where T : class
    {
        using var reader = command.ExecuteReader();
        return reader.Read() ? read(reader) : null;
    }

    private static DateTimeOffset? TimeOrNull(DbDataReader r, int i, TimeReader time) => r.IsDBNull(i) ? null : time(r, i);

    /// <summary>A figure column; NULL (an undefined figure in both stores) as null.</summary>
    public static double? DoubleOrNull(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    /// <summary>A figure to store: NaN and infinities become NULL (SQLite has no NaN), so both stores answer the same.</summary>
    public static object? Finite(double? value) => value is double v && double.IsFinite(v) ? v : null;
}
