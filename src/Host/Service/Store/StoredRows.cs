using System.Data.Common;
using System.Text.Json;
using Recurrent.Diagnostics;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// The stores' rows as records: each table's columns in one order (<see cref="RunColumns"/>,
/// <see cref="DatasetColumns"/>, <see cref="EpochColumns"/>, <see cref="GradientColumns"/>) and their readers. A
/// timestamp is read the dialect's way.
/// </summary>
internal static class StoredRows
{
    public const string RunColumns =
        "id, name, state, request, created_at, started_at, finished_at, step, epoch, checkpoint_step, error, result";

    public const string DatasetColumns =
        "id, name, format, size_bytes, sequences, input_kind, feature_count, classes, max_length, created_at";

    public const string EpochColumns = "epoch, step, train_loss, train_accuracy, valid_loss, valid_accuracy, learning_rate";

    public const string GradientColumns =
        "step, epoch, loss, grad_norm, clipped, non_finite, log10_vanishing_ratio, memory_horizon, profile_log10, clipped_steps, non_finite_steps, " +
        "update_share, detail";

    /// <summary>A run from the columns <see cref="RunColumns"/> (a store may select more after them).</summary>
    public static RunRecord Run(DbDataReader r, SqlDialect d) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), d.ReadTime(r, 4), TimeOrNull(r, 5, d),
        TimeOrNull(r, 6, d), r.GetInt64(7), r.GetInt32(8), r.IsDBNull(9) ? null : r.GetInt64(9),
        r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11));

    /// <summary>A dataset's description from the columns <see cref="DatasetColumns"/>.</summary>
    public static DatasetRecord Dataset(DbDataReader r, SqlDialect d) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt32(4), r.GetString(5), r.GetInt32(6),
        JsonSerializer.Deserialize<string[]>(r.GetString(7)) ?? [], r.GetInt32(8), d.ReadTime(r, 9));

    /// <summary>An epoch from the columns <see cref="EpochColumns"/>; undefined figures are NULL.</summary>
    public static EpochRecord Epoch(DbDataReader r) => new(r.GetInt32(0), r.GetInt64(1), DoubleOrNull(r, 2),
        DoubleOrNull(r, 3), DoubleOrNull(r, 4), DoubleOrNull(r, 5), DoubleOrNull(r, 6));

    /// <summary>A step from the columns <see cref="GradientColumns"/>; undefined figures, NULL, are NaN (loss, norm) or null.</summary>
    public static GradientRecord Gradient(DbDataReader r) => GradientStore.WithDetail(new(r.GetInt64(0), r.GetInt32(1),
        DoubleOrNull(r, 2) ?? double.NaN, DoubleOrNull(r, 3) ?? double.NaN, r.GetBoolean(4), r.GetBoolean(5), DoubleOrNull(r, 6),
        r.IsDBNull(7) ? null : r.GetInt32(7), GradientStore.Profile(r.GetString(8)))
    {
        ClippedSteps = r.GetInt64(9),
        NonFiniteSteps = r.GetInt64(10),
        UpdateShare = DoubleOrNull(r, 11),
    }, r.IsDBNull(12) ? null : r.GetString(12));

    private static DateTimeOffset? TimeOrNull(DbDataReader r, int i, SqlDialect d) => r.IsDBNull(i) ? null : d.ReadTime(r, i);

    /// <summary>A figure column; NULL (an undefined figure) as null.</summary>
    public static double? DoubleOrNull(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    /// <summary>A figure to store: NaN and infinities become NULL (SQLite has no NaN), so both stores answer the same.</summary>
    public static object? Finite(double? value) => value is double v && double.IsFinite(v) ? v : null;
}
