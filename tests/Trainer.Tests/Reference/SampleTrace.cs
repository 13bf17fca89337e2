namespace Recurrent.Trainer.Tests.Reference;

/// <summary>Everything one direction computed, indexed by step t.</summary>
internal sealed class DirectionTrace(int length)
{
    public double[][] X { get; } = new double[length][];

    public double[][] HPrev { get; } = new double[length][];

    public double[][] CPrev { get; } = new double[length][];

    public double[][] H { get; } = new double[length][];

    public double[][] C { get; } = new double[length][];
}

/// <summary>One sample's forward pass, Layers[l][direction].</summary>
internal sealed record SampleTrace(DirectionTrace[][] Layers, double[] HeadInput, double Loss, double[] DLossDz);
