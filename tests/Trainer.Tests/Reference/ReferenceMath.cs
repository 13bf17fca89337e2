namespace Recurrent.Trainer.Tests.Reference;

/// <summary>Element-wise helpers, kept as plain loops so each formula reads like the math.</summary>
internal static class ReferenceMath
{
    public static double Sigmoid(double x) =>
        // Two branches so that exp never overflows for large |x|.
        x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));

    public static double[] Sigmoid(double[] x) => Map(x, Sigmoid);

    public static double[] Tanh(double[] x) => Map(x, Math.Tanh);

    public static double[] Map(double[] x, Func<double, double> f)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = f(x[i]);
        }

        return y;
    }

    public static double[] Add(double[] a, double[] b)
    {
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            y[i] = a[i] + b[i];
        }

        return y;
    }

    public static double[] Multiply(double[] a, double[] b)
    {
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            y[i] = a[i] * b[i];
        }

        return y;
    }

    public static void AddInto(double[] target, double[] addend)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] += addend[i];
        }
    }

    public static double[] Concat(double[] first, double[] second)
    {
        var y = new double[first.Length + second.Length];
        first.CopyTo(y, 0);
        second.CopyTo(y, first.Length);
        return y;
    }

    public static double Norm(double[] a, double[] b)
    {
        double sum = 0;
        foreach (double v in a)
        {
            sum += v * v;
        }

        foreach (double v in b)
        {
            sum += v * v;
        }

        return Math.Sqrt(sum);
    }
}
