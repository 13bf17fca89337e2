namespace Recurrent.Trainer.Layers;

/// <summary>A named weight tensor, its gradient, and the diagnostics group it reports under.</summary>
public sealed class Parameter
{
    internal Parameter(string name, string group, params int[] shape)
    {
        Name = name;
        Group = group;
        Shape = shape;
        var size = 1;
        foreach (var d in shape)
            size *= d;
        Value = new float[size];
        Gradient = new float[size];
    }

    /// <summary>Unique name such as "layer0.W_hh" or "head.W".</summary>
    public string Name { get; }

    /// <summary>Bounded diagnostics group: "W_xh", "W_hh", "b", "embedding" or "head".</summary>
    public string Group { get; }

    /// <summary>Dimensions, row-major.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The weights.</summary>
    public float[] Value { get; }

    /// <summary>∂L/∂weights of the last backward pass.</summary>
    public float[] Gradient { get; }

    /// <summary>True when training leaves this parameter as initialised (an echo state network's reservoir).</summary>
    public bool Frozen { get; internal set; }

    /// <summary>Number of elements.</summary>
    public int Length => Value.Length;
}
