using System.Globalization;

namespace Recurrent.Diagnostics;

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

    public int Epoch;
    public double TrainLoss = double.NaN;
    public double TrainAccuracy = double.NaN;
    public double ValidationLoss = double.NaN;
    public double ValidationAccuracy = double.NaN;
    public double LearningRate = double.NaN;

    /// <summary>Copies the group norms, reallocating the name list only when the trainer's groups change.</summary>
    public void CopyParamNorms(IReadOnlyList<string> names, ReadOnlySpan<double> norms)
    {
        int count = Math.Min(names.Count, norms.Length);
        if (!SameNames(names, count))
        {
            ParamNames = new string[count];
            ParamNorms = new double[count];
            for (int i = 0; i < count; i++)
            {
                ParamNames[i] = names[i];
                ParamNorms[i] = double.NaN;
            }
        }
        for (int i = 0; i < count; i++)
        {
            // A non-finite step is counted on its own counter; the gauge keeps the last finite norm.
            if (double.IsFinite(norms[i]))
                ParamNorms[i] = norms[i];
        }
    }

    /// <summary>Keeps the figures of the last batch that had any; undefined batches leave them unchanged.</summary>
    public void CopyAnalysis(GradientAnalysisResult analysis)
    {
        if (analysis.HasRatios)
        {
            VanishingLog10Ratio = analysis.MedianLog10VanishingRatio;
            DecayLog10PerStep = analysis.MedianDecayLog10PerStep;
            MemoryHorizonSteps = analysis.MemoryHorizonSteps;
            analysis.ProfileLog10.CopyTo(ProfileLog10);
            ProfileLength = analysis.ProfileLength;
        }
        var layers = analysis.JacobianLayers;
        var bounds = analysis.JacobianBounds;
        if (layers.Length == 0)
            return;
        if (!layers.SequenceEqual(JacobianLayers))
        {
            JacobianLayers = layers.ToArray();
            JacobianDilations = analysis.JacobianDilations.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();
            JacobianBounds = new double[layers.Length];
            Array.Fill(JacobianBounds, double.NaN);
        }
        for (int i = 0; i < bounds.Length; i++)
        {
            if (double.IsFinite(bounds[i]))
                JacobianBounds[i] = bounds[i];
        }
    }

    private bool SameNames(IReadOnlyList<string> names, int count)
    {
        if (ParamNames.Length != count)
            return false;
        for (int i = 0; i < count; i++)
        {
            if (!string.Equals(ParamNames[i], names[i], StringComparison.Ordinal))
                return false;
        }
        return true;
    }
}
