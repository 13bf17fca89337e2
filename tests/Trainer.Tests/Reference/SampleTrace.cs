namespace Recurrent.Trainer.Tests.Reference;

/// <summary>Everything one direction computed, indexed by step t.</summary>
internal sealed class DirectionTrace(int length)
{
    public double[][] X { get; } = new double[length][];

    public double[][] HPrev { get; } = new double[length][];

    public double[][] CPrev { get; } = new double[length][];

    public double[][] H { get; } = new double[length][];

    public double[][] C { get; } = new double[length][];

    /// <summary>Skip gates: ũ_t, the u_t used (round(ũ_t), or its straight-through stand-in), and Δũ_t.</summary>
    public double[] UTilde { get; } = new double[length];

    public double[] U { get; } = new double[length];

    public double[] Increment { get; } = new double[length];

    /// <summary>Skip gates: ũ_{t+1}, which the step reading s_t as its previous state starts from.</summary>
    public double[] UNext { get; } = new double[length];

    /// <summary>Skip gates: the cell's candidate (h̃_t, c̃_t), which u_t chooses or not.</summary>
    public double[][] CandidateH { get; } = new double[length][];

    public double[][] CandidateC { get; } = new double[length][];
}

/// <summary>
/// One sample's forward pass, Layers[l][direction]. A per-sequence head has one head input and one ∂ℓ/∂z; a per-step
/// head has them per step in <see cref="StepHeadInputs"/> and <see cref="StepDLossDz"/> (null where a step has no
/// label), and <see cref="Loss"/> is the sum of its steps' losses.
/// </summary>
internal sealed record SampleTrace(DirectionTrace[][] Layers, double[] HeadInput, double Loss, double[] DLossDz)
{
    public double[][]? StepHeadInputs { get; init; }

    public double[]?[]? StepDLossDz { get; init; }

    /// <summary>Steps whose loss counts (per-step heads).</summary>
    public int LabelledSteps { get; init; }
}
