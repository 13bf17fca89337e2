namespace Recurrent.Trainer.Tests.Reference;

/// <summary>The per-sample loss of each head and its derivative with respect to the head's outputs z.</summary>
internal static class ReferenceLoss
{
    public static (double Loss, double[] DLossDz) Evaluate(ReferenceHeadKind head, double[] z, ReferenceSample sample) =>
        Evaluate(head, z, sample.ClassIndex, sample.Target);

    /// <summary>The loss of one output z against a class (Binary, MultiClass) or a target (Regression).</summary>
    public static (double Loss, double[] DLossDz) Evaluate(ReferenceHeadKind head, double[] z, int classIndex, double target) => head switch
    {
        ReferenceHeadKind.Binary => Binary(z[0], classIndex),
        ReferenceHeadKind.MultiClass => MultiClass(z, classIndex),
        ReferenceHeadKind.Regression => Regression(z[0], target),
        _ => throw new InvalidOperationException($"Unknown head {head}."),
    };

    private static (double, double[]) Binary(double z, int label)
    {
        // −y log σ(z) − (1−y) log(1−σ(z)) = softplus(z) − y·z, with softplus written so exp never overflows.
        double softplus = Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
        return (softplus - label * z, [ReferenceMath.Sigmoid(z) - label]);
    }

    private static (double, double[]) MultiClass(double[] z, int label)
    {
        // Shifting by the largest logit keeps every exp ≤ 1.
        double max = z.Max();
        double sum = 0;
        foreach (double v in z)
        {
            sum += Math.Exp(v - max);
        }

        double logSumExp = max + Math.Log(sum);
        var gradient = new double[z.Length];
        for (int k = 0; k < z.Length; k++)
        {
            gradient[k] = Math.Exp(z[k] - logSumExp) - (k == label ? 1 : 0);
        }

        return (logSumExp - z[label], gradient);
    }

    private static (double, double[]) Regression(double z, double target) =>
        ((z - target) * (z - target), [2 * (z - target)]);
}
