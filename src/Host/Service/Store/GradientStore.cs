using System.Text.Json;
using Recurrent.Diagnostics;
using Recurrent.Host.Service.Gradients;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// Every step's gradient record, written in batches at each checkpoint. Steps after the last checkpoint are lost in
/// a crash, but the resumed run trains them again and writes the same values (a step is stored once, by key).
/// </summary>
internal abstract class GradientStore
{
    public abstract void Add(long runId, IReadOnlyList<GradientRecord> records);

    /// <summary>
    /// The run's last stored step (what an ended run finished with, its counts included); null when it stored none.
    /// </summary>
    public GradientRecord? Last(long runId) =>
        Range(runId, 0, long.MaxValue, ascending: false, limit: 1, every: 1) is [var last] ? last : null;

    /// <summary>
    /// The newest <paramref name="limit"/> records after <paramref name="afterStep"/> (and before
    /// <paramref name="beforeStep"/>), oldest first.
    /// </summary>
    public IReadOnlyList<GradientRecord> Since(long runId, long afterStep, int limit, long beforeStep = long.MaxValue)
    {
        var newestFirst = Range(runId, afterStep, beforeStep, ascending: false, limit, every: 1);
        return [.. newestFirst.Reverse()];
    }

    /// <summary>
    /// At most <paramref name="limit"/> records with <paramref name="afterStep"/> &lt; step &lt;
    /// <paramref name="beforeStep"/> and step a multiple of <paramref name="every"/>: the oldest of them, oldest
    /// first, when <paramref name="ascending"/>; else the newest, newest first. The primary key (run_id, step)
    /// makes either end a range scan, so a page costs its own size whatever the history's length.
    /// </summary>
    public abstract IReadOnlyList<GradientRecord> Range(long runId, long afterStep, long beforeStep, bool ascending, int limit, int every);

    /// <summary>The profile column: a JSON array, null for a non-finite value.</summary>
    protected static string ProfileJson(double[] profile) => JsonSerializer.Serialize(profile, ProfileOptions);

    internal static double[] Profile(string json) => JsonSerializer.Deserialize<double[]>(json, ProfileOptions) ?? [];

    private static readonly JsonSerializerOptions ProfileOptions = new() { Converters = { new NonFiniteAsNullArrayConverter() } };
}
