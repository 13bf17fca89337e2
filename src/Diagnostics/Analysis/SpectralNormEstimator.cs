using System.Numerics.Tensors;

namespace Recurrent.Diagnostics.Analysis;

/// <summary>
/// Estimates σ_max of recurrent weight matrices by power iteration on WᵀW, warm-started from the previous call's
/// vector for the same layer, so a few iterations per step track a slowly changing matrix.
/// </summary>
/// <remarks>
/// γ·σ_max(W_hh) bounds ‖∂h_t/∂h_{t−1}‖ exactly only for Elman cells, where the Jacobian is diag(f′)·W_hh. For
/// LSTM and GRU the matrix passed in is the stacked gates×H by H block and gating changes the Jacobian, so the
/// figure is then an indicator of recurrent gain, not a bound. Each estimate is a lower bound of σ_max that
/// rises towards it as iterations accumulate.
/// </remarks>
public sealed class SpectralNormEstimator
{
    /// <summary>Iterations per call when none are given.</summary>
    public const int DefaultIterations = 3;

    private readonly int _iterations;
    private readonly Dictionary<string, float[]> _rightVectors = new(StringComparer.Ordinal);
    private float[] _left = [];

    /// <summary>Creates an estimator running <paramref name="iterations"/> power iterations per call.</summary>
    public SpectralNormEstimator(int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        _iterations = iterations;
    }

    /// <summary>γ·σ_max(W) for the given layer's weights; NaN when a weight is not finite.</summary>
    public double EstimateBound(RecurrentWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return weights.Gamma * EstimateSigmaMax(weights);
    }

    /// <summary>The largest singular value of W (estimated); NaN when a weight is not finite.</summary>
    public double EstimateSigmaMax(RecurrentWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int rows = weights.Rows;
        int columns = weights.Columns;
        if (rows == 0 || columns == 0)
            return 0;
        var w = weights.Weights.Span.Slice(0, rows * columns);
        var v = RightVector(weights.Layer, columns);
        if (_left.Length < rows)
            _left = new float[rows];
        var u = _left.AsSpan(0, rows);

        double sigma = 0;
        for (int iteration = 0; iteration < _iterations; iteration++)
        {
            Multiply(w, rows, columns, v, u);
            if (Normalize(u) == 0)
                return 0;
            MultiplyTransposed(w, rows, columns, u, v);
            sigma = Normalize(v);
            if (sigma == 0)
                return 0;
            if (!double.IsFinite(sigma))
            {
                InitialVector(v);
                return double.NaN;
            }
        }
        return sigma;
    }

    private float[] RightVector(string layer, int columns)
    {
        if (!_rightVectors.TryGetValue(layer, out var v) || v.Length != columns)
        {
            v = new float[columns];
            InitialVector(v);
            _rightVectors[layer] = v;
        }
        return v;
    }

    // A fixed, non-symmetric start: all-ones is orthogonal to the top singular vector of common test matrices.
    private static void InitialVector(Span<float> v)
    {
        uint state = 2463534242;
        for (int i = 0; i < v.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            v[i] = (float)(0.5 + (state / (double)uint.MaxValue));
        }
        Normalize(v);
    }

    // float32 and vectorised: the estimate runs after every training step, and its precision (about 1e-6
    // relative) is far finer than any decision it feeds.
    private static void Multiply(ReadOnlySpan<float> w, int rows, int columns, ReadOnlySpan<float> v, Span<float> u)
    {
        for (int r = 0; r < rows; r++)
            u[r] = TensorPrimitives.Dot(w.Slice(r * columns, columns), v);
    }

    private static void MultiplyTransposed(ReadOnlySpan<float> w, int rows, int columns, ReadOnlySpan<float> u, Span<float> v)
    {
        v.Clear();
        for (int r = 0; r < rows; r++)
            TensorPrimitives.MultiplyAdd(w.Slice(r * columns, columns), u[r], v, v);
    }

    private static double Normalize(Span<float> x)
    {
        double norm = TensorPrimitives.Norm(x);
        if (norm > 0 && double.IsFinite(norm))
            TensorPrimitives.Divide(x, (float)norm, x);
        return norm;
    }
}
