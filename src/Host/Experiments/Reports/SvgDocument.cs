using System.Globalization;
using System.Text;

namespace Recurrent.Host.Experiments.Reports;

/// <summary>Builds one SVG document element by element, escaping text and formatting numbers invariantly.</summary>
internal sealed class SvgDocument
{
    private readonly StringBuilder _body = new();

    public SvgDocument(int width, int height)
    {
        Width = width;
        Height = height;
    }

    public int Width { get; }

    public int Height { get; }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null) =>
        _body.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"{F(x1)}\" y1=\"{F(y1)}\" x2=\"{F(x2)}\" y2=\"{F(y2)}\" stroke=\"{stroke}\" stroke-width=\"{F(width)}\"{Dash(dash)}/>\n");

    public void Rectangle(double x, double y, double width, double height, string fill, string? stroke = null) =>
        _body.Append(CultureInfo.InvariantCulture,
            $"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(Math.Max(0, width))}\" height=\"{F(Math.Max(0, height))}\" fill=\"{fill}\"{(stroke is null ? "" : $" stroke=\"{stroke}\"")}/>\n");

    public void Circle(double x, double y, double radius, string fill) =>
        _body.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(x)}\" cy=\"{F(y)}\" r=\"{F(radius)}\" fill=\"{fill}\"/>\n");

    /// <summary>An open path through the points (a polyline), as a <c>path</c> element.</summary>
    public void Path(IReadOnlyList<(double X, double Y)> points, string stroke, double width = 1.5, string? dash = null)
    {
        if (points.Count == 0)
            return;
        var d = new StringBuilder();
        for (int i = 0; i < points.Count; i++)
            d.Append(i == 0 ? "M" : " L").Append(F(points[i].X)).Append(',').Append(F(points[i].Y));
        _body.Append(CultureInfo.InvariantCulture,
            $"<path d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{F(width)}\"{Dash(dash)}/>\n");
    }

    public void Text(double x, double y, string text, string anchor = "start", int size = 12, double rotate = 0,
        string weight = "normal")
    {
        string transform = rotate == 0 ? "" : $" transform=\"rotate({F(rotate)} {F(x)} {F(y)})\"";
        _body.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{F(x)}\" y=\"{F(y)}\" font-size=\"{size}\" font-weight=\"{weight}\" text-anchor=\"{anchor}\"{transform}>{Escape(text)}</text>\n");
    }

    public override string ToString() =>
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" " +
        $"font-family=\"sans-serif\">\n<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n{_body}</svg>\n";

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Dash(string? dash) => dash is null ? "" : $" stroke-dasharray=\"{dash}\"";

    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
