using System.Globalization;
using Recurrent.Diagnostics.Analysis;

namespace Recurrent.Diagnostics.Metrics;

/// <summary>The latest values of one run, written by its trainer and read by scrapes under <see cref="Gate"/>.</summary>
internal sealed class RunState(string runId)
{
    public readonly Lock Gate = new();
    public readonly KeyValuePair<string, object?> RunTag = new(MetricNames.RunLabel, runId);

    public string RunId { get; } = runId;
    private long _finishedAtUtcTicks;

    /// <summary>When the run finished; null while active. Atomic, since scrapes read it without the gate.</summary>
    public DateTimeOffset? FinishedAt
    {
        get
        {
            long ticks = Volatile.Read(ref _finishedAtUtcTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
        set => Volatile.Write(ref _finishedAtUtcTicks, value?.UtcTicks ?? 0);
    }

    /// <summary>"running" while active, then the state the run finished in; exported by <c>recurrent_run_info</c>.</summary>
    public string Outcome = RunOutcomes.Running;

    public long Steps;
    public long Sequences;
    public long ClippedSteps;
    public long NonFiniteSteps;

    public double ClipThreshold = double.NaN;
    public string[] ParamNames = [];
    public double[] ParamNorms = [];

    public double VanishingLog10Ratio = double.NaN;
    public double DecayLog10PerStep = double.NaN;
    public int MemoryHorizonSteps = -1;
    public readonly double[] ProfileLog10 = new double[GradientAnalysisResult.ProfileStepsBack.Length];
    public int ProfileLength;
    public string[] JacobianLayers = [];
    public string[] JacobianDilations = [];
    public double[] JacobianBounds = [];
    public double[] UpdateShares = [];

    // Detail levels layer and block: each path keeps its last defined figures; blocks and saturation the last step's.
    public readonly Dictionary<(string Layer, string Direction), PathFigures> Paths = [];
    public IReadOnlyList<BlockFigures> Blocks = [];
    public IReadOnlyList<SaturationFigure> Saturation = [];
    public double DetailStep = double.NaN;

    public int Epoch;
    public double TrainLoss = double.NaN;
    public double TrainAccuracy = double.NaN;
    public double ValidationLoss = double.NaN;
    public double ValidationAccuracy = double.NaN;
    public double LearningRate = double.NaN;

    /// <summary>Copies the group norms, reallocating the name list only when the trainer's groups change.</summary>
    public void CopyGroupNorms(IReadOnlyList<GroupNorm> groups)
    {
        if (!SameNames(groups))
        {
            ParamNames = [.. groups.Select(g => g.Group)];
            ParamNorms = new double[groups.Count];
            Array.Fill(ParamNorms, double.NaN);
        }
        for (int i = 0; i < groups.Count; i++)
        {
            // A non-finite step is counted on its own counter; the gauge keeps the last finite norm.
            if (double.IsFinite(groups[i].Norm))
                ParamNorms[i] = groups[i].Norm;
        }
    }

    /// <summary>Keeps the figures of the last batch that had any; undefined batches leave them unchanged.</summary>
    public void CopyAnalysis(GradientRecord record)
    {
        CopyUpdateShares(record.UpdateShares);
        foreach (var path in record.Paths)
        {
            if (path.Log10VanishingRatio is not null)
                Paths[(path.Layer, path.Direction)] = path;
        }
        if (record.Blocks.Count > 0)
            Blocks = record.Blocks;
        if (record.Saturation.Count > 0)
            Saturation = record.Saturation;
        if (record.DetailStep is long detailStep)
            DetailStep = detailStep;
        if (record.HasRatios)
        {
            VanishingLog10Ratio = record.Log10VanishingRatio ?? double.NaN;
            DecayLog10PerStep = record.DecayLog10PerStep ?? double.NaN;
            MemoryHorizonSteps = record.MemoryHorizon ?? -1;
            record.ProfileLog10.CopyTo(ProfileLog10, 0);
            ProfileLength = record.ProfileLog10.Length;
        }
        var bounds = record.JacobianBounds;
        if (bounds.Count == 0)
            return;
        if (!bounds.Select(b => b.Layer).SequenceEqual(JacobianLayers))
        {
            JacobianLayers = [.. bounds.Select(b => b.Layer)];
            JacobianDilations = [.. bounds.Select(b => b.Dilation.ToString(CultureInfo.InvariantCulture))];
            JacobianBounds = new double[bounds.Count];
            Array.Fill(JacobianBounds, double.NaN);
        }
        for (int i = 0; i < bounds.Count; i++)
        {
            if (double.IsFinite(bounds[i].Bound))
                JacobianBounds[i] = bounds[i].Bound;
        }
    }

    // Per layer, the share of the last step's valid steps whose state the skip gates updated (models with skip
    // updates only); a batch without a valid step (NaN) keeps the layer's last share.
    private void CopyUpdateShares(IReadOnlyList<double> shares)
    {
        if (shares.Count == 0)
            return;
        if (UpdateShares.Length != shares.Count)
        {
            UpdateShares = new double[shares.Count];
            Array.Fill(UpdateShares, double.NaN);
        }
        for (int i = 0; i < shares.Count; i++)
        {
            if (double.IsFinite(shares[i]))
                UpdateShares[i] = shares[i];
        }
    }

    private bool SameNames(IReadOnlyList<GroupNorm> groups)
    {
        if (ParamNames.Length != groups.Count)
            return false;
        for (int i = 0; i < groups.Count; i++)
        {
            if (!string.Equals(ParamNames[i], groups[i].Group, StringComparison.Ordinal))
                return false;
        }
        return true;
    }
}
