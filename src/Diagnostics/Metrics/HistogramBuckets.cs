namespace Recurrent.Diagnostics.Metrics;

/// <summary>Explicit bucket boundaries of the two histograms.</summary>
internal static class HistogramBuckets
{
    /// <summary>
    /// 1e-6 to 1e4 at ×√10 (21 log-spaced boundaries) merged with the given clip thresholds, sorted and without
    /// duplicates. Thresholds that coincide with a grid point within 1e-9 relative replace it, so they stay exact.
    /// </summary>
    public static double[] GradientNorm(IEnumerable<double> clipThresholds)
    {
        ArgumentNullException.ThrowIfNull(clipThresholds);
        var thresholds = clipThresholds.Where(t => double.IsFinite(t) && t > 0).ToList();
        var boundaries = new List<double>(thresholds);
        for (int halfDecade = -12; halfDecade <= 8; halfDecade++)
        {
            double grid = halfDecade % 2 == 0
                ? double.Parse($"1e{halfDecade / 2}", System.Globalization.CultureInfo.InvariantCulture)
                : Math.Sqrt(10) * double.Parse($"1e{(halfDecade - 1) / 2}", System.Globalization.CultureInfo.InvariantCulture);
            if (!thresholds.Any(t => Math.Abs(t - grid) <= 1e-9 * grid))
                boundaries.Add(grid);
        }
        return boundaries.Distinct().Order().ToArray();
    }

    /// <summary>Wall time of one optimizer step, in seconds: 1 ms to 1 min.</summary>
    public static double[] StepDurationSeconds() =>
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
}
