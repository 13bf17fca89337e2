namespace Recurrent.Host.Experiments.Runs;

/// <summary>A finished run: its test figures, its time, and what the recorder kept.</summary>
internal sealed class RunResult
{
    public required RunSpec Spec { get; init; }

    /// <summary>Accuracy on the fresh test sequences (classification; NaN for regression).</summary>
    public required double TestAccuracy { get; init; }

    /// <summary>Mean loss on the test sequences (the squared error for regression).</summary>
    public required double TestLoss { get; init; }

    /// <summary>The whole evaluation on the test sequences (per-class scores, per-step figures).</summary>
    public Trainer.Models.Evaluation? TestEvaluation { get; init; }

    public required double Seconds { get; init; }

    public required IReadOnlyList<StepRecord> Steps { get; init; }

    public required IReadOnlyList<AnalysisRecord> Analyses { get; init; }

    /// <summary>Every layer's Jacobian bound at the first analysed step.</summary>
    public IReadOnlyList<LayerBound> InitialLayerBounds { get; init; } = [];

    /// <summary>Every layer's Jacobian bound at the last analysed step.</summary>
    public IReadOnlyList<LayerBound> FinalLayerBounds { get; init; } = [];

    /// <summary>Trainable parameters of the model (embedding, recurrent layers and head).</summary>
    public long ParameterCount { get; init; }

    /// <summary>Models with skip updates: the share of the test sequences' steps whose state was updated, over all layers; NaN otherwise.</summary>
    public double TestUpdateShare { get; init; } = double.NaN;

    public string Label => Spec.Label;

    public int ClippedSteps => Steps.Count(s => s.Clipped);

    public int NonFiniteSteps => Steps.Count(s => s.NonFinite);

    public double ClipRate => Steps.Count == 0 ? 0 : (double)ClippedSteps / Steps.Count;

    /// <summary>Median of a figure over the first few analysed steps (the untrained network).</summary>
    public double Initial(Func<AnalysisRecord, double> figure) =>
        Stats.Median(Analyses.Take(Math.Max(1, Math.Min(5, Analyses.Count / 10 + 1))).Select(figure));

    /// <summary>Median of a figure over the last fifth of the analysed steps (the trained network).</summary>
    public double Final(Func<AnalysisRecord, double> figure) =>
        Stats.Median(Analyses.Skip(Analyses.Count - Math.Max(1, Analyses.Count / 5)).Select(figure));

    /// <summary>Median over all analysed steps.</summary>
    public double Overall(Func<AnalysisRecord, double> figure) => Stats.Median(Analyses.Select(figure));
}
