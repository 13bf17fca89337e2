namespace Recurrent.Trainer.Onnx;

/// <summary>
/// A finished, checked computation graph: what <see cref="OnnxGraphBuilder.Build"/> returns and
/// <see cref="OnnxModel"/> carries. Nodes are in topological order.
/// </summary>
internal sealed class OnnxGraph
{
    internal OnnxGraph(string name, string? docString, IReadOnlyList<OnnxValueInfo> inputs,
        IReadOnlyList<OnnxValueInfo> outputs, IReadOnlyList<OnnxTensor> initializers, IReadOnlyList<OnnxNode> nodes)
    {
        Name = name;
        DocString = docString;
        Inputs = inputs;
        Outputs = outputs;
        Initializers = initializers;
        Nodes = nodes;
    }

    /// <summary>The graph's name.</summary>
    public string Name { get; }

    /// <summary>A human-readable description, or null.</summary>
    public string? DocString { get; }

    /// <summary>The values a caller feeds.</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    /// <summary>The values a caller reads back.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    /// <summary>The constant tensors (weights, biases, shapes).</summary>
    public IReadOnlyList<OnnxTensor> Initializers { get; }

    /// <summary>The operator applications, each after the nodes it reads from.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }
}
