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
    /// Fills the snapshot's pre-clip global norm, group norms and non-finite flag from the parameters' gradients.
    /// Groups are listed in first-seen order of <see cref="Parameter.Group"/>.
    /// </summary>
    public static void Measure(IReadOnlyList<Parameter> parameters, IReadOnlyList<string> groups, GradientSnapshot snapshot,
        double loss)
    {
        var norms = snapshot.GroupNorms;
        Array.Clear(norms);
        var total = 0.0;
        foreach (var p in parameters)
        {
            var sum = GateMath.SumOfSquares(p.Gradient);
            norms[IndexOf(groups, p.Group)] += sum;
            total += sum;
        }
        for (var i = 0; i < norms.Length; i++)
            norms[i] = Math.Sqrt(norms[i]);
        snapshot.PreClipNorm = Math.Sqrt(total);
        snapshot.NonFinite = !double.IsFinite(loss) || !double.IsFinite(snapshot.PreClipNorm);
        snapshot.Loss = loss;
    }

    private static int IndexOf(IReadOnlyList<string> groups, string group)
    {
        for (var i = 0; i < groups.Count; i++)
        {
            if (groups[i] == group)
                return i;
        }
        throw new InvalidOperationException($"Parameter group '{group}' is not in the snapshot's group list.");
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
