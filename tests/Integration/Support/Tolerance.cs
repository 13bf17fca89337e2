namespace Recurrent.Integration.Tests.Support;

/// <summary>Element-wise comparison that reports the worst element, so a failure says where and by how much.</summary>
internal static class Tolerance
{
    /// <summary>Asserts every |expected − actual| ≤ tolerance and returns the largest difference.</summary>
    public static double AssertClose(IReadOnlyList<double> expected, IReadOnlyList<float> actual, double tolerance, string what)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: expected {expected.Count} values, got {actual.Count}.");
        var worst = 0.0;
        var worstIndex = -1;
        for (var i = 0; i < expected.Count; i++)
        {
            var difference = Math.Abs(expected[i] - actual[i]);
            if (double.IsNaN(difference) || difference > worst)
                (worst, worstIndex) = (double.IsNaN(difference) ? double.PositiveInfinity : difference, i);
        }
        if (worst > tolerance)
            Assert.Fail($"{what}: element {worstIndex} is {actual[worstIndex]} but should be {expected[worstIndex]} (|difference| {worst:E3} > {tolerance:E0}).");
        return worst;
    }

    public static double AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double tolerance, string what) =>
        AssertClose([.. expected.Select(v => (double)v)], actual, tolerance, what);
}
