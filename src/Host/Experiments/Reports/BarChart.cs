namespace Recurrent.Host.Experiments.Reports;

/// <summary>Grouped bars: one group per category, one bar per named series, on a linear or log10 value axis.</summary>
internal sealed class BarChart
{
    public required string Title { get; init; }

    public required string YLabel { get; init; }

    public bool LogY { get; init; }

    public required IReadOnlyList<string> Categories { get; init; }

    /// <summary>Each series holds one value per category (NaN: no bar).</summary>
    public List<(string Name, IReadOnlyList<double> Values)> Series { get; } = [];

    public string ToSvg()
    {
        var svg = ChartFrame.Begin(Title);
        var y = ChartAxis.Fit(Series.SelectMany(s => s.Values), LogY, ChartFrame.Bottom, ChartFrame.Top, includeZero: true);
        ChartFrame.Axes(svg, null, y, "", YLabel);
        double groupWidth = (ChartFrame.PlotRight - ChartFrame.Left) / Math.Max(1, Categories.Count);
        double barWidth = groupWidth * 0.8 / Math.Max(1, Series.Count);
        double baseline = LogY ? ChartFrame.Bottom : y.Map(0);
        for (int c = 0; c < Categories.Count; c++)
        {
            double groupLeft = ChartFrame.Left + c * groupWidth + groupWidth * 0.1;
            for (int s = 0; s < Series.Count; s++)
            {
                double value = Series[s].Values[c];
                if (!y.CanShow(value))
                    continue;
                double top = y.Map(value);
                svg.Rectangle(groupLeft + s * barWidth, Math.Min(top, baseline), barWidth * 0.9, Math.Abs(baseline - top),
                    Palette.Colour(s));
            }
            // Long category names are rotated so neighbours do not overlap.
            svg.Text(ChartFrame.Left + (c + 0.5) * groupWidth, ChartFrame.Bottom + 14, Categories[c], "end", 10, rotate: -30);
        }
        if (Series.Count > 1)
            ChartFrame.Legend(svg, Series.Select(s => s.Name).ToList());
        return svg.ToString();
    }
}
