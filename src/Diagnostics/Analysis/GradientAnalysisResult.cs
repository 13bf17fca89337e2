namespace Recurrent.Diagnostics.Analysis;

/// <summary>
/// The gradient-health figures of one batch, as defined in the diagnostics reference. One instance belongs to
/// one <see cref="GradientAnalysis"/> and is overwritten by its next call: copy what you keep.
/// </summary>
public sealed class GradientAnalysisResult
{
    /// <summary>The steps-back values k of the temporal profile: 1, 2, 4, ..., 512.</summary>
    public static ReadOnlySpan<int> ProfileStepsBack => StepsBack;

    // A field, not a span literal: unoptimised builds allocate a fresh array for every read of a literal.
    private static readonly int[] StepsBack = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

    private readonly double[] _profileLog10 = new double[StepsBack.Length];
    private string[] _jacobianLayers = [];
    private int[] _jacobianDilations = [];
    private double[] _jacobianBounds = [];

    /// <summary>True when the snapshot carried adjoint norms; otherwise only the Jacobian bounds are set.</summary>
    public bool HasAdjointNorms { get; internal set; }

    /// <summary>Samples in the batch.</summary>
    public int Samples { get; internal set; }

    /// <summary>Samples that entered the medians (length at least 2, all norms finite, g_T at least 1e-30).</summary>
    public int DefinedSamples { get; internal set; }

    /// <summary>Samples left out because one of their adjoint norms was NaN or infinite.</summary>
    public int NonFiniteSamples { get; internal set; }

    /// <summary>Samples left out because their window holds a single step, so no ratio exists.</summary>
    public int SingleStepSamples { get; internal set; }

    /// <summary>Samples left out because g_T, where the loss enters, was below 1e-30.</summary>
    public int VanishedLossGradientSamples { get; internal set; }

    /// <summary>Samples left out for any reason; undefined values are counted here, never reported as NaN.</summary>
    public int UndefinedSamples => NonFiniteSamples + SingleStepSamples + VanishedLossGradientSamples;

    /// <summary>True when at least one sample was defined, so the ratio, decay and horizon below hold values.</summary>
    public bool HasRatios => DefinedSamples > 0;

    /// <summary>Median over defined samples of log10 V_b, V_b = g_1 / g_T.</summary>
    public double MedianLog10VanishingRatio { get; internal set; }

    /// <summary>Median over defined samples of κ_b = log10 V_b / (T_b − 1): decades lost per step.</summary>
    public double MedianDecayLog10PerStep { get; internal set; }

    /// <summary>
    /// H_ε: the largest k such that the median over samples with T_b &gt; k of g_{T_b−k} / g_{T_b} is at least
    /// <see cref="GradientAnalysis.HorizonThreshold"/>; 0 when no k qualifies.
    /// </summary>
    public int MemoryHorizonSteps { get; internal set; }

    /// <summary>
    /// How many leading entries of <see cref="ProfileStepsBack"/> have a profile value: those k with at least one
    /// defined sample longer than k.
    /// </summary>
    public int ProfileLength { get; internal set; }

    /// <summary>Median log10 g_{T−k} / g_T for the first <see cref="ProfileLength"/> values of k.</summary>
    public ReadOnlySpan<double> ProfileLog10 => _profileLog10.AsSpan(0, ProfileLength);

    /// <summary>Number of Jacobian bounds, one per recurrent weight matrix in the snapshot.</summary>
    public int JacobianBoundCount { get; private set; }

    /// <summary>Layer labels of the Jacobian bounds.</summary>
    public ReadOnlySpan<string> JacobianLayers => _jacobianLayers.AsSpan(0, JacobianBoundCount);

    /// <summary>Each bound's layer dilation d: the bound holds for the Jacobian ∂s_t/∂s_{t−d}.</summary>
    public ReadOnlySpan<int> JacobianDilations => _jacobianDilations.AsSpan(0, JacobianBoundCount);

    /// <summary>γ·σ_max(W_hh) per layer; see <see cref="SpectralNormEstimator"/> for when it is a true bound.</summary>
    public ReadOnlySpan<double> JacobianBounds => _jacobianBounds.AsSpan(0, JacobianBoundCount);

    internal Span<double> ProfileBuffer => _profileLog10;

    /// <summary>Per layer and direction of the snapshot's <see cref="GradientSnapshot.Paths"/>, the same figures of that path.</summary>
    public IReadOnlyList<PathFigures> Paths => PathList;

    internal List<PathFigures> PathList { get; } = [];

    internal void ResetJacobianBounds(int count)
    {
        if (_jacobianBounds.Length < count)
        {
            _jacobianBounds = new double[count];
            _jacobianLayers = new string[count];
            _jacobianDilations = new int[count];
        }
        JacobianBoundCount = count;
    }

    internal void SetJacobianBound(int index, string layer, int dilation, double bound)
    {
        _jacobianLayers[index] = layer;
        _jacobianDilations[index] = dilation;
        _jacobianBounds[index] = bound;
    }
}
