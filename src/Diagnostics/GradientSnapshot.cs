namespace Recurrent.Diagnostics;

/// <summary>
/// What a BPTT trainer hands over after each backward pass, before the optimizer update. The trainer's loop fills
/// it, in one place per step; the trainer owns one instance and refills it every step, so observers must copy
/// what they keep (<see cref="GradientRecord.Of(GradientSnapshot, Analysis.GradientAnalysisResult?, double)"/> makes the immutable copy).
/// </summary>
public sealed class GradientSnapshot : IAdjointRows
{
    private float[] _adjointNorms = [];
    private int[] _windowLengths = [];
    private int _adjointRows;

    /// <summary>Optimizer step number, counting from 1 over the whole run.</summary>
    public long Step { get; set; }

    /// <summary>Epoch number, counting from 1.</summary>
    public int Epoch { get; set; }

    /// <summary>Mean loss of the batch (NaN or infinite when the step was non-finite).</summary>
    public double Loss { get; set; }

    /// <summary>Global L2 norm of all parameter gradients before any clipping.</summary>
    public double PreClipNorm { get; set; }

    /// <summary>How gradients are clipped in this run.</summary>
    public ClipMode ClipMode { get; set; }

    /// <summary>Clip threshold (global norm or element value); NaN when not clipping.</summary>
    public double ClipThreshold { get; set; } = double.NaN;

    /// <summary>True when the pre-clip gradient exceeded the threshold (any element, for value clipping).</summary>
    public bool Clipped { get; set; }

    /// <summary>True when the loss or any gradient element was NaN or infinite; the update was skipped.</summary>
    public bool NonFinite { get; set; }

    /// <summary>
    /// Clipped steps of the whole run up to and including this one: the trainer's own count, which a run resumed
    /// from a checkpoint continues.
    /// </summary>
    public long ClippedSteps { get; set; }

    /// <summary>Non-finite steps of the whole run up to and including this one, counted like <see cref="ClippedSteps"/>.</summary>
    public long NonFiniteSteps { get; set; }

    /// <summary>Number of sequences in the batch, whether or not adjoint norms were collected.</summary>
    public int BatchSize { get; set; }

    /// <summary>Pre-clip L2 norm per parameter group, in the order of <see cref="GroupNames"/>.</summary>
    public IReadOnlyList<string> GroupNames { get; set; } = [];

    /// <summary>Pre-clip L2 norm per parameter group.</summary>
    public double[] GroupNorms { get; set; } = [];

    /// <summary>
    /// True when <see cref="AdjointNorms"/> holds this step's per-step adjoint norms (the trainer may skip
    /// collecting them, for example to measure their cost): set by <see cref="SetAdjointNorms"/>, cleared by
    /// <see cref="ClearAdjointNorms"/>.
    /// </summary>
    public bool HasAdjointNorms { get; private set; }

    /// <summary>
    /// Stride of one sample's row in <see cref="AdjointNorms"/>: the longest window in the batch.
    /// </summary>
    public int AdjointStride { get; private set; }

    /// <summary>
    /// Per sample b, the number of steps whose adjoint norm was measured: its valid length T_b, or the
    /// truncation window k2 when truncated BPTT cuts it shorter. Empty without adjoint norms.
    /// </summary>
    public ReadOnlySpan<int> WindowLengths => _windowLengths.AsSpan(0, _adjointRows);

    /// <summary>
    /// g_t = ||dL_b/ds_t|| for each sample, row-major [BatchSize, AdjointStride]. Within row b, index
    /// WindowLengths[b] - 1 is the sample's last valid step (where the loss enters) and index 0 is the
    /// oldest step of its window. s_t = h_t, or [h_t; c_t] for LSTM, of the first layer's forward direction.
    /// </summary>
    public ReadOnlySpan<float> AdjointNorms => _adjointNorms.AsSpan(0, _adjointRows * AdjointStride);

    /// <summary>
    /// For a network with learned skip gates (Campos et al.'s Skip RNN), per layer (index = layer) the share of the
    /// batch's valid steps at which the state was updated, all of the layer's directions together; a skipped step
    /// passes the gradient back past the cell, so this is also the share of the path BPTT walks through a cell.
    /// Empty for a network that updates at every step. The trainer refills the same array every step.
    /// </summary>
    public double[] UpdateShares { get; set; } = [];

    /// <summary>
    /// Per layer and direction, that path's adjoint norms (<see cref="AdjointPath"/>); empty at the global detail
    /// level. Path "0"/"forward" holds the same norms as <see cref="AdjointNorms"/>.
    /// </summary>
    public IReadOnlyList<AdjointPath> Paths { get; set; } = [];

    /// <summary>The parameter blocks whose norms follow, in the order of <see cref="BlockGradNorms"/>; empty below the block level.</summary>
    public IReadOnlyList<ParameterBlock> Blocks { get; set; } = [];

    /// <summary>Per block, the L2 norm of its gradient before clipping.</summary>
    public double[] BlockGradNorms { get; set; } = [];

    /// <summary>Per block, the L2 norm of the weights the gradient was taken at.</summary>
    public double[] BlockWeightNorms { get; set; } = [];

    /// <summary>
    /// Per block, ‖ΔW‖ / ‖W‖ of the optimizer's update (weights before and after it), filled after the update; NaN
    /// for a step that was not updated. Observers see it: they are called after the update.
    /// </summary>
    public double[] BlockUpdateRatios { get; set; } = [];

    /// <summary>The saturation figures' places, in the order of <see cref="SaturationShares"/>; empty at the global level.</summary>
    public IReadOnlyList<SaturationUnit> SaturationUnits { get; set; } = [];

    /// <summary>Per unit, the share of the forward pass's values that saturated (NaN without a valid step).</summary>
    public double[] SaturationShares { get; set; } = [];

    /// <summary>
    /// The step at which <see cref="Paths"/>, the block figures and the saturation shares were last measured: the
    /// trainer measures them every few steps (its <c>GradientDetailEvery</c>) and leaves them as they were in between;
    /// null at the global level.
    /// </summary>
    public long? DetailStep { get; set; }

    /// <summary>Recurrent weight matrices for the Jacobian bound, one per layer and direction.</summary>
    public IReadOnlyList<RecurrentWeights> RecurrentWeights { get; set; } = [];

    /// <summary>
    /// Copies this step's adjoint norms: one window length per sample of the batch (<see cref="BatchSize"/> of
    /// them) and rows of <paramref name="stride"/> norms, reusing the buffers when they are large enough.
    /// </summary>
    public void SetAdjointNorms(int stride, ReadOnlySpan<int> windowLengths, ReadOnlySpan<float> norms)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stride);
        int rows = windowLengths.Length;
        if (rows != BatchSize)
            throw new ArgumentException($"{rows} window lengths for a batch of {BatchSize} sequences.", nameof(windowLengths));
        if (norms.Length != rows * stride)
            throw new ArgumentException($"{norms.Length} adjoint norms for {rows} rows of {stride}.", nameof(norms));
        for (int b = 0; b < rows; b++)
        {
            if (windowLengths[b] < 0 || windowLengths[b] > stride)
                throw new ArgumentException($"Window length {windowLengths[b]} of sample {b} is outside 0..{stride}.", nameof(windowLengths));
        }
        if (_adjointNorms.Length < norms.Length)
            _adjointNorms = new float[norms.Length];
        if (_windowLengths.Length < rows)
            _windowLengths = new int[rows];
        norms.CopyTo(_adjointNorms);
        windowLengths.CopyTo(_windowLengths);
        _adjointRows = rows;
        AdjointStride = stride;
        HasAdjointNorms = true;
    }

    /// <summary>Marks this step as one without adjoint norms.</summary>
    public void ClearAdjointNorms()
    {
        _adjointRows = 0;
        AdjointStride = 0;
        HasAdjointNorms = false;
    }

    /// <summary>The adjoint norms of sample <paramref name="b"/>, oldest step first, last valid step last.</summary>
    public ReadOnlySpan<float> AdjointNormsOf(int b)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)b, (uint)_adjointRows, nameof(b));
        return _adjointNorms.AsSpan(b * AdjointStride, _windowLengths[b]);
    }

    int IAdjointRows.Rows => _adjointRows;

    int IAdjointRows.Stride => AdjointStride;

    ReadOnlySpan<float> IAdjointRows.NormsOf(int b) => AdjointNormsOf(b);
}

/// <summary>How a trainer clips gradients.</summary>
public enum ClipMode
{
    /// <summary>No clipping.</summary>
    None,

    /// <summary>Every gradient element is clamped to [-threshold, threshold].</summary>
    Value,

    /// <summary>The whole gradient is rescaled when its global L2 norm exceeds the threshold.</summary>
    GlobalNorm,
}

/// <summary>
/// A read-only view of one recurrent weight matrix W_hh [Rows, Columns] (row-major, rows = gates × hidden),
/// with the activation's derivative bound gamma (1 for tanh and ReLU, 1/4 for sigmoid), and the layer's dilation d:
/// the state at t depends on the state at t − d, so the bound holds for every d time steps.
/// </summary>
public sealed class RecurrentWeights(string layer, float[] weights, int rows, int columns, double gamma, int dilation = 1)
{
    /// <summary>Bounded label such as "0", "0_reverse", "1".</summary>
    public string Layer { get; } = layer;

    /// <summary>The live weights (row-major); do not modify.</summary>
    public ReadOnlyMemory<float> Weights { get; } = weights;

    /// <summary>Rows of the matrix (gate count × hidden size).</summary>
    public int Rows { get; } = rows;

    /// <summary>Columns of the matrix (hidden size).</summary>
    public int Columns { get; } = columns;

    /// <summary>Upper bound of the activation's derivative.</summary>
    public double Gamma { get; } = gamma;

    /// <summary>How many time steps back the recurrent connection reaches (1: the plain recurrence).</summary>
    public int Dilation { get; } = dilation;
}
