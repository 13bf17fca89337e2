namespace Recurrent.Trainer.Tests.Reference;

/// <summary>Central finite differences of the reference's own loss, to check its hand-derived backward pass.</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// With h = 1e-5 in double the central difference errs by about h²·|L'''| + ε·|L|/h ≈ 1e-10, so 1e-6 leaves
    /// four orders of margin and still catches any wrong term of a gradient.
    /// </summary>
    public const double Step = 1e-5;

    public const double Tolerance = 1e-6;

    /// <summary>|a − b| ≤ tol·max(1, |a|): absolute for small values, relative for large ones.</summary>
    public static bool Close(double expected, double actual) =>
        Math.Abs(expected - actual) <= Tolerance * Math.Max(1, Math.Abs(expected));

    /// <summary>Every parameter element whose analytic gradient disagrees with the central difference.</summary>
    public static List<string> Mismatches(ReferenceModel model, IReadOnlyList<ReferenceSample> batch, IReadOnlyDictionary<string, double[]> analytic) =>
        Mismatches(model, () => model.Loss(batch), analytic);

    /// <summary>As above for any loss of the model's parameters.</summary>
    public static List<string> Mismatches(ReferenceModel model, Func<double> loss, IReadOnlyDictionary<string, double[]> analytic)
    {
        var mismatches = new List<string>();
        foreach (string name in model.ParameterNames)
        {
            double[] values = model.Parameters[name];
            for (int i = 0; i < values.Length; i++)
            {
                double saved = values[i];
                values[i] = saved + Step;
                double plus = loss();
                values[i] = saved - Step;
                double minus = loss();
                values[i] = saved;
                double numeric = (plus - minus) / (2 * Step);
                if (!Close(numeric, analytic[name][i]))
                {
                    mismatches.Add($"{name}[{i}]: analytic {analytic[name][i]:R}, finite difference {numeric:R}");
                }
            }
        }

        return mismatches;
    }

    /// <summary>dL/d(component of s_t) by nudging the state itself; see <see cref="ReferenceStateOffset"/>.</summary>
    public static double StateDerivative(ReferenceModel model, IReadOnlyList<ReferenceSample> batch, int sample, int step, int index)
    {
        double plus = model.Loss(batch, new ReferenceStateOffset(sample, step, index, Step));
        double minus = model.Loss(batch, new ReferenceStateOffset(sample, step, index, -Step));
        return (plus - minus) / (2 * Step);
    }
}
