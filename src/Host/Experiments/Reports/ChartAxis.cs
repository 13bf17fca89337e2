using System.Globalization;

namespace Recurrent.Host.Experiments.Reports;

/// <summary>
/// One axis of a chart: maps data values onto a pixel range, linearly or by log10, and picks readable ticks.
/// </summary>
internal sealed class ChartAxis
{
    private readonly double _low;
    private readonly double _high;
    private readonly double _pixelLow;
    private readonly double _pixelHigh;

    private ChartAxis(double low, double high, bool log, double pixelLow, double pixelHigh)
    {
        _low = low;
        _high = high;
        IsLog = log;
        _pixelLow = pixelLow;
        _pixelHigh = pixelHigh;
    }

    public bool IsLog { get; }

    /// <summary>
    /// An axis covering the finite values given (positive ones only on a log axis), widened to whole decades or
    /// to round tick steps so that the ends carry ticks.
    /// </summary>
    public static ChartAxis Fit(IEnumerable<double> values, bool log, double pixelLow, double pixelHigh,
        bool includeZero = false)
    {
        var usable = values.Where(v => double.IsFinite(v) && (!log || v > 0)).ToList();
        if (includeZero && !log)
            usable.Add(0);
        if (usable.Count == 0)
            usable.AddRange(log ? [1.0, 10.0] : [0.0, 1.0]);
        double min = usable.Min(), max = usable.Max();
        if (log)
        {
            double lowDecade = Math.Floor(Math.Log10(min)), highDecade = Math.Ceiling(Math.Log10(max));
            if (highDecade <= lowDecade)
                highDecade = lowDecade + 1;
            return new ChartAxis(lowDecade, highDecade, true, pixelLow, pixelHigh);
        }
        if (max - min < 1e-12)
        {
            double pad = Math.Abs(min) > 1e-12 ? Math.Abs(min) * 0.1 : 1;
            min -= pad;
            max += pad;
        }
        double step = NiceStep((max - min) / 5);
        return new ChartAxis(Math.Floor(min / step) * step, Math.Ceiling(max / step) * step, false, pixelLow, pixelHigh);
    }

    /// <summary>The pixel position of a data value (values outside the range are clamped to its ends).</summary>
    public double Map(double value)
    {
        double v = IsLog ? Math.Log10(Math.Max(value, 1e-300)) : value;
        double fraction = Math.Clamp((v - _low) / (_high - _low), -0.02, 1.02);
        return _pixelLow + fraction * (_pixelHigh - _pixelLow);
    }

    /// <summary>True when the value can be drawn on this axis.</summary>
    public bool CanShow(double value) => double.IsFinite(value) && (!IsLog || value > 0);

    /// <summary>Tick values and their labels.</summary>
    public IEnumerable<(double Value, string Label)> Ticks()
    {
        if (IsLog)
        {
            int decades = (int)(_high - _low);
            int every = Math.Max(1, (int)Math.Ceiling(decades / 8.0));
            for (int d = (int)_low; d <= (int)_high; d += every)
                yield return (Math.Pow(10, d), DecadeLabel(d));
            yield break;
        }
        double step = NiceStep((_high - _low) / 5);
        for (double t = _low; t <= _high + step * 1e-6; t += step)
        {
            double rounded = Math.Abs(t) < step * 1e-6 ? 0 : t;
            yield return (rounded, rounded.ToString("G4", CultureInfo.InvariantCulture));
        }
    }

    private static string DecadeLabel(int decade) => decade switch
    {
        0 => "1",
        1 => "10",
        -1 => "0.1",
        _ => "1e" + decade.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double mantissa = rough / power;
        return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * power;
    }
}
