using System.Text.Json.Serialization;
using Recurrent.Diagnostics.Analysis;

namespace Recurrent.Diagnostics;

/// <summary>
/// One training step's gradient health, immutable: made once per step from the trainer's snapshot and its analysis
/// (<see cref="Of(GradientSnapshot, GradientAnalysisResult?, double)"/>), then handed as it is to the metrics, the live history, the store and the JSON of the API.
/// Serialized with <see cref="GradientJson.Options"/> (or any snake_case options) it reads
/// <c>{"step", "epoch", "loss", "grad_norm", "clipped", "non_finite", "log10_vanishing_ratio", "memory_horizon",
/// "profile_log10", "update_share", "paths", "blocks", "saturation", "detail_step"}</c>, every NaN or infinity as null. The members marked <see cref="JsonIgnoreAttribute"/> feed
/// the metrics; a store keeps the serialized ones and the run's counts (<see cref="ClippedSteps"/>,
/// <see cref="NonFiniteSteps"/>), so in a record read back the others are empty.
/// </summary>
/// <param name="Step">Optimizer step from 1 over the run.</param>
/// <param name="Epoch">Epoch from 1.</param>
/// <param name="Loss">Mean batch loss (NaN or infinite on a non-finite step).</param>
/// <param name="GradNorm">Global L2 norm of the gradient before clipping.</param>
/// <param name="Clipped">True when clipping changed the gradient.</param>
/// <param name="NonFinite">True when the loss or the gradient was NaN or infinite (the update was skipped).</param>
/// <param name="Log10VanishingRatio">Median log10 g_1/g_T; null when no sample defined it.</param>
/// <param name="MemoryHorizon">Steps back the gradient stays above 1e-3 of its value at the loss; null when undefined.</param>
/// <param name="ProfileLog10">Median log10 g_{T-k}/g_T for the leading values k of <see cref="GradientAnalysisResult.ProfileStepsBack"/>.</param>
public sealed record GradientRecord(
    long Step,
    int Epoch,
    [property: JsonConverter(typeof(NonFiniteAsNullConverter))] double Loss,
    [property: JsonConverter(typeof(NonFiniteAsNullConverter))] double GradNorm,
    bool Clipped,
    bool NonFinite,
    double? Log10VanishingRatio,
    int? MemoryHorizon,
    [property: JsonConverter(typeof(NonFiniteAsNullArrayConverter))] double[] ProfileLog10)
{
    /// <summary>Sequences in the batch.</summary>
    [JsonIgnore]
    public int Sequences { get; init; }

    /// <summary>Clipped steps of the run up to this one, as the trainer counts them (a resumed run continues its count).</summary>
    [JsonIgnore]
    public long ClippedSteps { get; init; }

    /// <summary>Non-finite steps of the run up to this one, as the trainer counts them.</summary>
    [JsonIgnore]
    public long NonFiniteSteps { get; init; }

    /// <summary>The global-norm clip threshold; NaN when the run does not clip by global norm.</summary>
    [JsonIgnore]
    public double GlobalNormThreshold { get; init; } = double.NaN;

    /// <summary>Median decades of gradient lost per step back; null when no sample defined it.</summary>
    [JsonIgnore]
    public double? DecayLog10PerStep { get; init; }

    /// <summary>Pre-clip L2 norm per parameter group.</summary>
    [JsonIgnore]
    public IReadOnlyList<GroupNorm> GroupNorms { get; init; } = [];

    /// <summary>γ·σ_max(W_hh) per recurrent weight matrix.</summary>
    [JsonIgnore]
    public IReadOnlyList<JacobianBound> JacobianBounds { get; init; } = [];

    /// <summary>
    /// Skip gates: per layer (index = layer), the share of the batch's steps at which the state was updated (a copy of
    /// <see cref="GradientSnapshot.UpdateShares"/>); empty for a network that updates at every step.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<double> UpdateShares { get; init; } = [];

    /// <summary>
    /// Skip gates: the share of the batch's steps updated over all layers (every layer sees the same steps, so the
    /// mean of <see cref="UpdateShares"/>); null for a network that updates at every step. Serialized as
    /// <c>"update_share"</c>; a record read back (without <see cref="UpdateShares"/>) keeps the value it was given.
    /// </summary>
    public double? UpdateShare
    {
        get => _updateShare ?? (UpdateShares.Count == 0 ? null : UpdateShares.Average());
        init => _updateShare = value;
    }

    private readonly double? _updateShare;

    /// <summary>
    /// Per layer and direction (detail level layer or block): the adjoint analysis of that path, as the global one
    /// is of layer 0's forward direction. Serialized as <c>"paths"</c>; empty at the global level.
    /// </summary>
    public IReadOnlyList<PathFigures> Paths { get; init; } = [];

    /// <summary>
    /// Per parameter block (detail level block): gradient norm, weight norm and update ratio. Serialized as
    /// <c>"blocks"</c>; empty below the block level.
    /// </summary>
    public IReadOnlyList<BlockFigures> Blocks { get; init; } = [];

    /// <summary>
    /// Per layer, direction and unit (detail level layer or block): the share of saturated gates, states or dead
    /// units in the step's forward pass. Serialized as <c>"saturation"</c>; empty at the global level.
    /// </summary>
    public IReadOnlyList<SaturationFigure> Saturation { get; init; } = [];

    /// <summary>
    /// The step at which <see cref="Paths"/>, <see cref="Blocks"/> and <see cref="Saturation"/> were measured: the
    /// trainer measures the detail every few steps and every record in between carries the last measurement.
    /// Serialized as <c>"detail_step"</c>; null when the record has no detail.
    /// </summary>
    public long? DetailStep { get; init; }

    /// <summary>Wall time of the step (forward, BPTT, clipping, update) in seconds; NaN when not measured.</summary>
    [JsonIgnore]
    public double StepSeconds { get; init; } = double.NaN;

    /// <summary>Clipped steps over steps, both as the trainer counts them: the run's clip rate up to this step.</summary>
    [JsonIgnore]
    public double ClipRate => Step > 0 ? (double)ClippedSteps / Step : 0;

    /// <summary>True when the analysis defined the ratio, decay, horizon and profile for this step.</summary>
    [JsonIgnore]
    public bool HasRatios => Log10VanishingRatio is not null;

    /// <summary>
    /// Copies what the step's snapshot and its analysis say into a record; <paramref name="analysis"/> is null when
    /// the step was not analysed.
    /// </summary>
    public static GradientRecord Of(GradientSnapshot snapshot, GradientAnalysisResult? analysis, double stepSeconds) =>
        Of(snapshot, analysis, stepSeconds, null);

    /// <summary>
    /// <see cref="Of(GradientSnapshot, GradientAnalysisResult?, double)"/>, sharing the detail figures (<see
    /// cref="Paths"/>, <see cref="Blocks"/>, <see cref="Saturation"/>) of <paramref name="previous"/>, the same run's
    /// record of an earlier step, when it carries the same measurement (<see cref="DetailStep"/>): between two
    /// measurements the snapshot and its analysis hold the same detail, and records are immutable, so a step copies
    /// nothing of it (a deep stack's detail is a few hundred figures).
    /// </summary>
    public static GradientRecord Of(GradientSnapshot snapshot, GradientAnalysisResult? analysis, double stepSeconds,
        GradientRecord? previous)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var carried = previous is not null && snapshot.DetailStep is long measured && previous.DetailStep == measured
            && snapshot.Step > previous.Step;
        var pathsCarried = carried && analysis is not null && previous!.Paths.Count == analysis.Paths.Count;
        var defined = analysis is { HasRatios: true };
        var groups = new GroupNorm[Math.Min(snapshot.GroupNames.Count, snapshot.GroupNorms.Length)];
        for (int i = 0; i < groups.Length; i++)
            groups[i] = new GroupNorm(snapshot.GroupNames[i], snapshot.GroupNorms[i]);
        var bounds = new JacobianBound[analysis?.JacobianBoundCount ?? 0];
        for (int i = 0; i < bounds.Length; i++)
            bounds[i] = new JacobianBound(analysis!.JacobianLayers[i], analysis.JacobianDilations[i], analysis.JacobianBounds[i]);
        return new GradientRecord(snapshot.Step, snapshot.Epoch, snapshot.Loss, snapshot.PreClipNorm, snapshot.Clipped,
            snapshot.NonFinite, defined ? analysis!.MedianLog10VanishingRatio : null,
            defined ? analysis!.MemoryHorizonSteps : null, defined ? analysis!.ProfileLog10.ToArray() : [])
        {
            Sequences = snapshot.BatchSize,
            ClippedSteps = snapshot.ClippedSteps,
            NonFiniteSteps = snapshot.NonFiniteSteps,
            GlobalNormThreshold = snapshot.ClipMode == ClipMode.GlobalNorm ? snapshot.ClipThreshold : double.NaN,
            DecayLog10PerStep = defined ? analysis!.MedianDecayLog10PerStep : null,
            GroupNorms = groups,
            JacobianBounds = bounds,
            UpdateShares = snapshot.UpdateShares.Length == 0 ? [] : snapshot.UpdateShares.ToArray(),
            StepSeconds = stepSeconds,
            Paths = pathsCarried ? previous!.Paths : analysis is null ? [] : [.. analysis.Paths],
            Blocks = carried ? previous!.Blocks : BlocksOf(snapshot),
            Saturation = carried ? previous!.Saturation : SaturationOf(snapshot),
            DetailStep = snapshot.DetailStep,
        };
    }

    private static BlockFigures[] BlocksOf(GradientSnapshot snapshot)
    {
        var blocks = snapshot.Blocks;
        if (blocks.Count == 0)
            return [];
        var figures = new BlockFigures[blocks.Count];
        for (int i = 0; i < figures.Length; i++)
        {
            var ratio = i < snapshot.BlockUpdateRatios.Length ? snapshot.BlockUpdateRatios[i] : double.NaN;
            figures[i] = new BlockFigures(blocks[i].Layer, blocks[i].Direction, blocks[i].Block, blocks[i].Gate,
                snapshot.BlockGradNorms[i], snapshot.BlockWeightNorms[i], double.IsFinite(ratio) ? ratio : null);
        }
        return figures;
    }

    private static SaturationFigure[] SaturationOf(GradientSnapshot snapshot)
    {
        var units = snapshot.SaturationUnits;
        if (units.Count == 0)
            return [];
        var figures = new SaturationFigure[units.Count];
        for (int i = 0; i < figures.Length; i++)
            figures[i] = new SaturationFigure(units[i].Layer, units[i].Direction, units[i].Unit, snapshot.SaturationShares[i]);
        return figures;
    }
}

/// <summary>The pre-clip L2 norm of one parameter group (W_xh, W_hh, b, head, ...).</summary>
public sealed record GroupNorm(string Group, double Norm);

/// <summary>γ·σ_max(W_hh) of one layer and direction, bounding its Jacobian over <paramref name="Dilation"/> steps.</summary>
public sealed record JacobianBound(string Layer, int Dilation, double Bound);
