using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// Pascanu et al.'s regulariser Ω = Σ_k (‖∂L/∂h_k · ∂h_k/∂h_{k-1}‖ / ‖∂L/∂h_k‖ − 1)², which keeps the gradient
/// carried back one step from shrinking. BPTT hands it each transition's terms per worker; the workers' sums are
/// then added into ∂L/∂W_hh in a fixed order, so the result does not depend on the thread count.
/// </summary>
internal sealed class OmegaRegularizer
{
    private Part[] _parts = [];

    /// <summary>Clears the sums of <paramref name="parts"/> workers of a direction with H = <paramref name="hidden"/>.</summary>
    public void Reset(int parts, int hidden)
    {
        if (_parts.Length < parts)
            Array.Resize(ref _parts, parts);
        for (var p = 0; p < parts; p++)
            (_parts[p] ??= new Part()).Reset(hidden);
    }

    /// <summary>
    /// One Ω term per transition h_{t∓1} → h_t inside the sequence and inside the truncation window, for the rows
    /// first..first+count of worker <paramref name="part"/>: a = ∂L/∂h_t, d = a ⊙ f'(·), v = d W_hh.
    /// </summary>
    public void AddTerms(int part, int t, int first, int count, int[] lengths, TruncationWindow window, bool reverse,
        ReadOnlySpan<float> a, ReadOnlySpan<float> d, ReadOnlySpan<float> v, int hidden)
    {
        var sums = _parts[part];
        for (var r = 0; r < count; r++)
        {
            var length = lengths[first + r];
            var hasPrevious = reverse ? t + 1 < length : t >= 1;
            if (t >= length || !hasPrevious)
                continue;
            if (window.EntersAt(first + r, t))
                continue;
            sums.Accumulate(a.Slice(r * hidden, hidden), d.Slice(r * hidden, hidden), v.Slice(r * hidden, hidden),
                hidden);
        }
    }

    /// <summary>
    /// Adds λ/B · ∂Ω/∂W_hh of <paramref name="parts"/> workers to <paramref name="gradient"/> (the loss is a batch
    /// mean) and returns λ/B · Ω.
    /// </summary>
    public double AddGradient(float weight, int batch, int parts, float[] gradient)
    {
        var scale = weight / batch;
        var total = 0.0;
        for (var p = 0; p < parts; p++)
        {
            var part = _parts[p];
            total += part.Sum;
            for (var i = 0; i < gradient.Length; i++)
                gradient[i] += (float)(scale * part.Gradient[i]);
        }
        return scale * total;
    }

    private sealed class Part
    {
        public double[] Gradient = [];
        public double Sum;

        public void Reset(int hidden)
        {
            if (Gradient.Length != hidden * hidden)
                Gradient = new double[hidden * hidden];
            else
                Array.Clear(Gradient);
            Sum = 0;
        }

        // Ω_k = (‖v‖/‖a‖ − 1)² with a = ∂L/∂h_t, d = a ⊙ f'(·) and v = d W_hh, the gradient carried to h_{t-1}.
        // Holding a and f' constant (Pascanu et al.), ∂Ω_k/∂W_hh[i, j] = 2(‖v‖/‖a‖ − 1) d_i v_j / (‖a‖ ‖v‖).
        public void Accumulate(ReadOnlySpan<float> a, ReadOnlySpan<float> d, ReadOnlySpan<float> v, int hidden)
        {
            var m = Math.Sqrt(GateMath.SumOfSquares(a));
            var n = Math.Sqrt(GateMath.SumOfSquares(v));
            if (m < 1e-30 || n < 1e-30)
                return;
            var ratio = n / m - 1;
            Sum += ratio * ratio;
            var coefficient = 2 * ratio / (m * n);
            for (var i = 0; i < hidden; i++)
            {
                var di = coefficient * d[i];
                var row = Gradient.AsSpan(i * hidden, hidden);
                for (var j = 0; j < hidden; j++)
                    row[j] += di * v[j];
            }
        }
    }
}
