namespace Recurrent.Diagnostics.Analysis;

/// <summary>
/// Turns a <see cref="GradientSnapshot"/> into the vanishing ratio, decay per step, memory horizon, temporal
/// profile and Jacobian bounds defined in the diagnostics reference. Buffers grow to the largest batch seen and
/// are then reused, so steady-state calls do not allocate. Not thread-safe: use one instance per trainer.
/// </summary>
/// <remarks>
/// Cost is O(B·T) logarithms plus one median of up to B values for every k &lt; T (the horizon needs every k),
/// so for long sequences a trainer may prefer to analyse every n-th step.
/// </remarks>
public sealed class GradientAnalysis
{
    /// <summary>ε of the memory horizon: the fraction of the loss-step gradient that must survive k steps back.</summary>
    public const double HorizonThreshold = 1e-3;

    /// <summary>g_T below this (the gradient where the loss enters) makes a sample's ratios meaningless.</summary>
    public const double MinimumLossGradient = 1e-30;

    private static readonly double Log10HorizonThreshold = Math.Log10(HorizonThreshold);

    // float32 norms that underflowed to zero are read as the smallest positive float, so ratios stay finite.
    private static readonly double Log10SmallestNorm = Math.Log10(float.Epsilon);

    private readonly GradientAnalysisResult _result = new();
    private readonly GradientAnalysisResult _pathScratch = new();
    private readonly SpectralNormEstimator _spectralNorm;
    private double[] _log10Norms = [];
    private int[] _lengths = [];
    private double[] _scratch = [];

    // The snapshot and detail step whose paths result.PathList holds.
    private GradientSnapshot? _pathsOf;
    private long? _pathsStep;

    /// <summary>Creates an analysis whose Jacobian bounds use <paramref name="powerIterations"/> warm-started iterations per call.</summary>
    public GradientAnalysis(int powerIterations = SpectralNormEstimator.DefaultIterations)
    {
        _spectralNorm = new SpectralNormEstimator(powerIterations);
    }

    /// <summary>
    /// Analyses one snapshot. The returned result is owned by this instance and overwritten by the next call.
    /// </summary>
    public GradientAnalysisResult Analyze(GradientSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var result = _result;
        result.Samples = snapshot.BatchSize;
        result.HasAdjointNorms = snapshot.HasAdjointNorms;
        ClearAdjointFigures(result);
        if (snapshot.HasAdjointNorms)
            AnalyzeAdjointNorms(snapshot, result);
        AnalyzePaths(snapshot, result);

        var weights = snapshot.RecurrentWeights;
        result.ResetJacobianBounds(weights.Count);
        for (int i = 0; i < weights.Count; i++)
            result.SetJacobianBound(i, weights[i].Layer, weights[i].Dilation, _spectralNorm.EstimateBound(weights[i]));
        return result;
    }

    private static void ClearAdjointFigures(GradientAnalysisResult result)
    {
        result.DefinedSamples = 0;
        result.NonFiniteSamples = 0;
        result.SingleStepSamples = 0;
        result.VanishedLossGradientSamples = 0;
        result.MedianLog10VanishingRatio = double.NaN;
        result.MedianDecayLog10PerStep = double.NaN;
        result.MemoryHorizonSteps = 0;
        result.ProfileLength = 0;
    }

    // Each path is analysed like the global one, into the scratch result, then copied out; layer 0's forward path
    // holds the global norms (GradientSnapshot.Paths) when the paths were measured at this step, so it then takes the
    // global figures rather than computing them twice. Paths measured at an earlier step (the trainer measures the
    // detail every few steps) were analysed when they were measured: their figures are kept as they were.
    private void AnalyzePaths(GradientSnapshot snapshot, GradientAnalysisResult result)
    {
        var measuredAt = snapshot.DetailStep;
        if (measuredAt is not null && ReferenceEquals(snapshot, _pathsOf) && measuredAt == _pathsStep
            && result.PathList.Count == snapshot.Paths.Count)
            return;
        _pathsOf = snapshot;
        _pathsStep = measuredAt;
        result.PathList.Clear();
        var current = measuredAt is null || measuredAt == snapshot.Step;
        foreach (var path in snapshot.Paths)
        {
            var isGlobal = current && snapshot.HasAdjointNorms && path.Layer == "0" && path.Direction == "forward";
            var scratch = isGlobal ? result : _pathScratch;
            if (!isGlobal)
                ClearAdjointFigures(scratch);
            if (path.HasNorms && !isGlobal)
                AnalyzeAdjointNorms(path, scratch);
            var defined = scratch.HasRatios;
            result.PathList.Add(new PathFigures(path.Layer, path.Direction,
                defined ? scratch.MedianLog10VanishingRatio : null, defined ? scratch.MemoryHorizonSteps : null,
                defined ? scratch.ProfileLog10.ToArray() : []));
        }
    }

    private void AnalyzeAdjointNorms(IAdjointRows snapshot, GradientAnalysisResult result)
    {
        int batch = snapshot.Rows;
        int stride = snapshot.Stride;
        EnsureCapacity(batch, stride);

        int defined = 0;
        int longest = 0;
        for (int b = 0; b < batch; b++)
        {
            var norms = snapshot.NormsOf(b);
            if (!AllFinite(norms))
                result.NonFiniteSamples++;
            else if (norms.Length < 2)
                result.SingleStepSamples++;
            else if (norms[^1] < MinimumLossGradient)
                result.VanishedLossGradientSamples++;
            else
            {
                StoreLog10(norms, _log10Norms.AsSpan(defined * stride, norms.Length));
                _lengths[defined] = norms.Length;
                longest = Math.Max(longest, norms.Length);
                defined++;
            }
        }
        result.DefinedSamples = defined;
        if (defined == 0)
            return;

        ComputeRatioAndDecay(defined, stride, result);
        ComputeHorizonAndProfile(defined, stride, longest, result);
    }

    private void ComputeRatioAndDecay(int defined, int stride, GradientAnalysisResult result)
    {
        var ratios = _scratch.AsSpan(0, defined);
        for (int d = 0; d < defined; d++)
            ratios[d] = Log10RatioBack(d, stride, _lengths[d] - 1);
        result.MedianLog10VanishingRatio = Median.OfInPlace(ratios);

        for (int d = 0; d < defined; d++)
            ratios[d] = Log10RatioBack(d, stride, _lengths[d] - 1) / (_lengths[d] - 1);
        result.MedianDecayLog10PerStep = Median.OfInPlace(ratios);
    }

    private void ComputeHorizonAndProfile(int defined, int stride, int longest, GradientAnalysisResult result)
    {
        var profile = result.ProfileBuffer;
        var stepsBack = GradientAnalysisResult.ProfileStepsBack;
        int profileLength = 0;
        int horizon = 0;
        for (int k = 1; k < longest; k++)
        {
            int count = 0;
            for (int d = 0; d < defined; d++)
            {
                if (_lengths[d] > k)
                    _scratch[count++] = Log10RatioBack(d, stride, k);
            }
            double median = Median.OfInPlace(_scratch.AsSpan(0, count));
            if (median >= Log10HorizonThreshold)
                horizon = k;
            if (profileLength < stepsBack.Length && stepsBack[profileLength] == k)
                profile[profileLength++] = median;
        }
        result.MemoryHorizonSteps = horizon;
        result.ProfileLength = profileLength;
    }

    /// <summary>log10 g_{T−k} / g_T of the d-th defined sample.</summary>
    private double Log10RatioBack(int d, int stride, int k)
    {
        int last = d * stride + _lengths[d] - 1;
        return _log10Norms[last - k] - _log10Norms[last];
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            if (!float.IsFinite(value))
                return false;
        }
        return true;
    }

    private static void StoreLog10(ReadOnlySpan<float> norms, Span<double> destination)
    {
        for (int t = 0; t < norms.Length; t++)
            destination[t] = norms[t] > 0f ? Math.Log10(norms[t]) : Log10SmallestNorm;
    }

    private void EnsureCapacity(int batch, int stride)
    {
        if (_log10Norms.Length < batch * stride)
            _log10Norms = new double[batch * stride];
        if (_lengths.Length < batch)
        {
            _lengths = new int[batch];
            _scratch = new double[batch];
        }
    }
}
