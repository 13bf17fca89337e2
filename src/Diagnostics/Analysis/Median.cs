namespace Recurrent.Diagnostics.Analysis;

/// <summary>Median of a scratch span, which it reorders.</summary>
internal static class Median
{
    /// <summary>
    /// The middle value, or the mean of the two middle values for an even count. Callers pass log-domain values,
    /// so for ratios the even case is their geometric mean.
    /// </summary>
    public static double OfInPlace(Span<double> values)
    {
        if (values.IsEmpty)
            throw new ArgumentException("The median of no values is undefined.", nameof(values));
        values.Sort();
        int mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
    }
}
