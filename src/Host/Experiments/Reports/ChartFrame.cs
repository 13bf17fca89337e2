namespace Recurrent.Host.Experiments.Reports;

/// <summary>The parts every chart shares: plot area, title, axis lines, ticks, axis labels and the legend.</summary>
internal static class ChartFrame
{
    public const int Width = 720;
    public const int Height = 420;
    public const double Left = 80;
    public const double Right = 190;
    public const double Top = 40;
    public const double Bottom = 360;

    public static SvgDocument Begin(string title)
    {
        var svg = new SvgDocument(Width, Height);
        svg.Text(Width / 2.0, 22, title, "middle", 15, weight: "bold");
        return svg;
    }

    /// <summary>Draws the y axis with grid lines and, when given, the x axis ticks.</summary>
    public static void Axes(SvgDocument svg, ChartAxis? x, ChartAxis y, string xLabel, string yLabel)
    {
        foreach (var (value, label) in y.Ticks())
        {
            double py = y.Map(value);
            svg.Line(Left, py, PlotRight, py, "#e6e6e6");
            svg.Line(Left - 5, py, Left, py, "#333");
            svg.Text(Left - 8, py + 4, label, "end", 11);
        }
        if (x is not null)
        {
            foreach (var (value, label) in x.Ticks())
            {
                double px = x.Map(value);
                svg.Line(px, Bottom, px, Bottom + 5, "#333");
                svg.Text(px, Bottom + 18, label, "middle", 11);
            }
        }
        svg.Path([(Left, Top), (Left, Bottom), (PlotRight, Bottom)], "#333", 1);
        svg.Text((Left + PlotRight) / 2, Bottom + 42, xLabel, "middle", 12);
        svg.Text(20, (Top + Bottom) / 2, yLabel, "middle", 12, rotate: -90);
    }

    /// <summary>The right edge of the plot area; the legend sits to its right.</summary>
    public static double PlotRight => Width - Right;

    public static void Legend(SvgDocument svg, IReadOnlyList<string> names)
    {
        double x = PlotRight + 16;
        for (int i = 0; i < names.Count; i++)
        {
            double y = Top + 8 + i * 20;
            svg.Rectangle(x, y - 9, 14, 10, Palette.Colour(i));
            svg.Text(x + 20, y, names[i], size: 11);
        }
    }
}
