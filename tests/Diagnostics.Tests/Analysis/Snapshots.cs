namespace Recurrent.Diagnostics.Tests.Analysis;

/// <summary>Builds snapshots from hand-written adjoint-norm rows (oldest step first).</summary>
internal static class Snapshots
{
    public static GradientSnapshot WithRows(params float[][] rows)
    {
        var snapshot = new GradientSnapshot { BatchSize = rows.Length };
        int stride = rows.Max(r => r.Length);
        var norms = new float[rows.Length * stride];
        for (int b = 0; b < rows.Length; b++)
            rows[b].CopyTo(norms.AsSpan(b * stride));
        snapshot.SetAdjointNorms(stride, [.. rows.Select(r => r.Length)], norms);
        return snapshot;
    }

    /// <summary>A path of one layer's direction with these rows (oldest step first).</summary>
    public static AdjointPath Path(string layer, string direction, params float[][] rows)
    {
        var path = new AdjointPath(layer, direction);
        int stride = rows.Max(r => r.Length);
        var norms = new float[rows.Length * stride];
        for (int b = 0; b < rows.Length; b++)
            rows[b].CopyTo(norms.AsSpan(b * stride));
        path.Set(stride, [.. rows.Select(r => r.Length)], norms);
        return path;
    }

    /// <summary>g_t = gLoss · rate^(T−t): each step back multiplies the gradient by <paramref name="rate"/>.</summary>
    public static float[] Geometric(int length, double rate, double gLoss = 1.0)
    {
        var row = new float[length];
        for (int i = 0; i < length; i++)
            row[i] = (float)(gLoss * Math.Pow(rate, length - 1 - i));
        return row;
    }
}
