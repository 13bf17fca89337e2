using System.Globalization;
using Recurrent.Diagnostics;

namespace Recurrent.Trainer.Training;

/// <summary>
/// The detail figures of one record in a few words, for the epoch lines of the command line and of ML.NET's log:
/// the weakest path (lowest vanishing ratio, when there are several), the most saturated unit, and the blocks'
/// median and largest update-to-weight ratio. Empty for a record without detail.
/// </summary>
internal static class GradientDetailSummary
{
    public static string Describe(GradientRecord record)
    {
        var parts = new List<string>();
        if (record.UpdateShare is double share)
            parts.Add(Invariant($"updated {share * 100:F0}% of steps"));
        var weakest = record.Paths.Where(p => p.Log10VanishingRatio is not null).MinBy(p => p.Log10VanishingRatio);
        if (record.Paths.Count > 1 && weakest is not null)
            parts.Add(Invariant($"weakest path layer {weakest.Layer} {weakest.Direction} V 10^{weakest.Log10VanishingRatio:F1}"));
        var saturated = record.Saturation.Where(s => double.IsFinite(s.Share)).MaxBy(s => s.Share);
        if (saturated is { Share: 0 })
            parts.Add("nothing saturated");
        else if (saturated is not null)
            parts.Add(Invariant($"most saturated {saturated.Unit} (layer {saturated.Layer} {saturated.Direction}) {saturated.Share * 100:F1}%"));
        var ratios = record.Blocks.Where(b => b.UpdateRatio is not null).OrderBy(b => b.UpdateRatio).ToList();
        if (ratios.Count > 0)
        {
            var largest = ratios[^1];
            parts.Add(Invariant($"update/weight median {ratios[ratios.Count / 2].UpdateRatio:0.0e+0} max {largest.UpdateRatio:0.0e+0} ") +
                Invariant($"({largest.Block} {largest.Gate}, layer {largest.Layer} {largest.Direction})"));
        }
        return string.Join(", ", parts);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
