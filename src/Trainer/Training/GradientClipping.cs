using Recurrent.Diagnostics;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Training;

/// <summary>
/// Measures the gradient (global and per-group L2 norms, finiteness) and clips it: by value, every element clamped
/// to ±threshold (seed 002); by global norm, the whole gradient rescaled to the threshold when its norm exceeds it
/// (seed 003, Pascanu et al. Algorithm 1), which keeps its direction.
/// </summary>
internal static class GradientClipping
{
    /// <summary>
    /// Measures the gradient before clipping: writes each group's L2 norm into <paramref name="groupNorms"/> (groups
    /// in first-seen order of <see cref="Parameter.Group"/>) and returns the global L2 norm.
    /// </summary>
    public static double Measure(IReadOnlyList<Parameter> parameters, IReadOnlyList<string> groups, Span<double> groupNorms)
    {
        groupNorms.Clear();
        var total = 0.0;
        foreach (var p in parameters)
        {
            var sum = GateMath.SumOfSquares(p.Gradient);
            groupNorms[IndexOf(groups, p.Group)] += sum;
            total += sum;
        }
        for (var i = 0; i < groupNorms.Length; i++)
            groupNorms[i] = Math.Sqrt(groupNorms[i]);
        return Math.Sqrt(total);
    }

    private static int IndexOf(IReadOnlyList<string> groups, string group)
    {
        for (var i = 0; i < groups.Count; i++)
        {
            if (groups[i] == group)
                return i;
        }
        throw new InvalidOperationException($"Parameter group '{group}' is not in the list of parameter groups.");
    }

    /// <summary>Clips by value; returns whether any element exceeded the threshold.</summary>
    public static bool ClipByValue(IReadOnlyList<Parameter> parameters, float threshold)
    {
        var clipped = false;
        foreach (var p in parameters)
        {
            var g = p.Gradient;
            for (var i = 0; i < g.Length; i++)
            {
                if (g[i] > threshold)
                {
                    g[i] = threshold;
                    clipped = true;
                }
                else if (g[i] < -threshold)
                {
                    g[i] = -threshold;
                    clipped = true;
                }
            }
        }
        return clipped;
    }

    /// <summary>
    /// Rescales the whole gradient by threshold / norm when <paramref name="norm"/> exceeds the threshold; returns
    /// whether it did.
    /// </summary>
    public static bool ClipByNorm(IReadOnlyList<Parameter> parameters, double norm, float threshold)
    {
        if (!(norm > threshold))
            return false;
        var scale = (float)(threshold / norm);
        foreach (var p in parameters)
            System.Numerics.Tensors.TensorPrimitives.Multiply(p.Gradient, scale, p.Gradient);
        return true;
    }
}
