namespace Recurrent.Host.Experiments.Reports;

/// <summary>How a series is drawn.</summary>
internal enum SeriesStyle
{
    /// <summary>Points joined by straight segments, each point marked.</summary>
    LineWithMarkers,

    /// <summary>Points joined by straight segments (long curves such as loss per step).</summary>
    Line,

    /// <summary>Unjoined points (a scatter plot).</summary>
    Markers,

    /// <summary>A histogram outline: X holds bin edges (one more than Y), Y the counts.</summary>
    Stairs,
}

/// <summary>One named series of a <see cref="LineChart"/>.</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y,
    SeriesStyle Style = SeriesStyle.LineWithMarkers);

/// <summary>
/// An x–y chart of several series, with optional log10 axes and dashed reference lines; also draws scatter plots
/// and histogram outlines. Points that a log axis cannot show (zero, negative, NaN) are left out of the path.
/// </summary>
internal sealed class LineChart
{
    public required string Title { get; init; }

    public required string XLabel { get; init; }

    public required string YLabel { get; init; }

    public bool LogX { get; init; }

    public bool LogY { get; init; }

    public List<ChartSeries> Series { get; } = [];

    /// <summary>Dashed grey lines y = slope·x + intercept, labelled in the legend area.</summary>
    public List<(string Name, double Slope, double Intercept)> ReferenceLines { get; } = [];

    public string ToSvg()
    {
        var svg = ChartFrame.Begin(Title);
        var x = ChartAxis.Fit(Series.SelectMany(s => s.X), LogX, ChartFrame.Left, ChartFrame.PlotRight);
        var yValues = Series.SelectMany(s => s.Y).ToList();
        var y = ChartAxis.Fit(yValues, LogY, ChartFrame.Bottom, ChartFrame.Top,
            includeZero: Series.Any(s => s.Style == SeriesStyle.Stairs));
        ChartFrame.Axes(svg, x, y, XLabel, YLabel);
        foreach (var (name, slope, intercept) in ReferenceLines)
            DrawReference(svg, x, y, slope, intercept);
        for (int i = 0; i < Series.Count; i++)
            Draw(svg, x, y, Series[i], Palette.Colour(i));
        ChartFrame.Legend(svg, Series.Select(s => s.Name).ToList());
        for (int i = 0; i < ReferenceLines.Count; i++)
            svg.Text(ChartFrame.PlotRight + 16, ChartFrame.Top + 8 + (Series.Count + i) * 20, "- - " + ReferenceLines[i].Name, size: 11);
        return svg.ToString();
    }

    private static void DrawReference(SvgDocument svg, ChartAxis x, ChartAxis y, double slope, double intercept)
    {
        var points = new List<(double, double)>();
        foreach (double fraction in Enumerable.Range(0, 41).Select(i => i / 40.0))
        {
            double px = ChartFrame.Left + fraction * (ChartFrame.PlotRight - ChartFrame.Left);
            double value = InverseLinear(x, px);
            double yValue = slope * value + intercept;
            // Beyond the top of the axis the line would be clamped to its edge: stop it there instead.
            if (y.CanShow(yValue) && y.Map(yValue) > ChartFrame.Top)
                points.Add((px, y.Map(yValue)));
        }
        svg.Path(points, "#777", 1, "6,4");
    }

    // Reference lines are only drawn on linear x axes, where a pixel maps back to a value by interpolation.
    private static double InverseLinear(ChartAxis x, double pixel)
    {
        double a = x.Map(0), b = x.Map(1);
        return (pixel - a) / (b - a);
    }

    private static void Draw(SvgDocument svg, ChartAxis x, ChartAxis y, ChartSeries series, string colour)
    {
        var points = new List<(double X, double Y)>();
        if (series.Style == SeriesStyle.Stairs)
        {
            for (int i = 0; i < series.Y.Count && i + 1 < series.X.Count; i++)
            {
                double py = y.CanShow(series.Y[i]) ? y.Map(series.Y[i]) : ChartFrame.Bottom;
                points.Add((x.Map(series.X[i]), py));
                points.Add((x.Map(series.X[i + 1]), py));
            }
            svg.Path(points, colour, 2);
            return;
        }
        for (int i = 0; i < Math.Min(series.X.Count, series.Y.Count); i++)
        {
            if (x.CanShow(series.X[i]) && y.CanShow(series.Y[i]))
                points.Add((x.Map(series.X[i]), y.Map(series.Y[i])));
        }
        if (series.Style != SeriesStyle.Markers)
            svg.Path(points, colour, series.Style == SeriesStyle.Line ? 1.2 : 2);
        if (series.Style != SeriesStyle.Line)
        {
            foreach (var (px, py) in points)
                svg.Circle(px, py, 3.5, colour);
        }
    }
}
