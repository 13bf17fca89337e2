namespace Recurrent.Trainer.Onnx;

/// <summary>
/// Assembles a graph one input, initializer and node at a time, in topological order, then checks it in
/// <see cref="Build"/>. Mistakes (a node reading a value nothing defines, a name used twice) are reported
/// here by name rather than later as an ONNX Runtime load error.
/// </summary>
/// <example>
/// <code>
/// var g = new OnnxGraphBuilder("classifier");
/// g.AddInput("input", OnnxType.Float, ["batch", "sequence", 28]);
/// g.AddInitializer("W", [1, 4 * hidden, 28], weights);
/// g.AddNode("LSTM", ["x", "W", "R", "B"], ["Y", "Y_h"], OnnxAttribute.Int("hidden_size", hidden));
/// g.AddOutput("Y_h", OnnxType.Float, [1, "batch", hidden]);
/// OnnxGraph graph = g.Build();
/// </code>
/// </example>
internal sealed class OnnxGraphBuilder
{
    private readonly List<OnnxValueInfo> _inputs = [];
    private readonly List<OnnxValueInfo> _outputs = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly List<OnnxNode> _nodes = [];

    /// <summary>Starts an empty graph.</summary>
    /// <param name="name">The graph's name.</param>
    public OnnxGraphBuilder(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The graph's name.</summary>
    public string Name { get; }

    /// <summary>A human-readable description written to the graph, or null.</summary>
    public string? DocString { get; set; }

    /// <summary>Declares a value the caller feeds.</summary>
    /// <returns>The input's name, to pass on to the nodes that read it.</returns>
    public string AddInput(string name, OnnxType type, IReadOnlyList<OnnxDimension> shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _inputs.Add(new OnnxValueInfo(name, type, [.. shape]));
        return name;
    }

    /// <summary>Declares a value the caller reads back; some node must produce it.</summary>
    public void AddOutput(string name, OnnxType type, IReadOnlyList<OnnxDimension> shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _outputs.Add(new OnnxValueInfo(name, type, [.. shape]));
    }

    /// <summary>Adds a constant tensor.</summary>
    /// <returns>The tensor's name.</returns>
    public string AddInitializer(OnnxTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        _initializers.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a float constant (weights, biases) of the given shape; the values are copied.</summary>
    /// <returns>The tensor's name.</returns>
    public string AddInitializer(string name, ReadOnlySpan<long> dimensions, ReadOnlySpan<float> values) =>
        AddInitializer(OnnxTensor.FromFloats(name, dimensions, values));

    /// <summary>Adds a 64-bit integer constant (shapes, axes, indices); the values are copied.</summary>
    /// <returns>The tensor's name.</returns>
    public string AddInitializer(string name, ReadOnlySpan<long> dimensions, ReadOnlySpan<long> values) =>
        AddInitializer(OnnxTensor.FromInt64s(name, dimensions, values));

    /// <summary>Adds a 32-bit integer constant; the values are copied.</summary>
    /// <returns>The tensor's name.</returns>
    public string AddInitializer(string name, ReadOnlySpan<long> dimensions, ReadOnlySpan<int> values) =>
        AddInitializer(OnnxTensor.FromInt32s(name, dimensions, values));

    /// <summary>
    /// Appends an operator application. The node is named after its operator and position
    /// (<c>LSTM_2</c>), which is what ONNX Runtime quotes in its errors.
    /// </summary>
    /// <param name="opType">The operator in the default ONNX domain, e.g. <c>"GRU"</c>.</param>
    /// <param name="inputs">Input value names in the operator's order; "" skips an optional input.</param>
    /// <param name="outputs">Output value names; "" skips an optional output.</param>
    /// <param name="attributes">The node's attributes.</param>
    /// <returns>The added node.</returns>
    public OnnxNode AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        params IEnumerable<OnnxAttribute> attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        var node = new OnnxNode(opType, $"{opType}_{_nodes.Count}", [.. inputs], [.. outputs], [.. attributes]);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Appends an operator of another operator set, e.g. ai.onnx.ml's LabelEncoder.</summary>
    public OnnxNode AddNodeIn(string domain, string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        params IEnumerable<OnnxAttribute> attributes)
    {
        var node = AddNode(opType, inputs, outputs, attributes) with { Domain = domain };
        _nodes[^1] = node;
        return node;
    }

    /// <summary>Checks the graph and freezes a copy of it.</summary>
    /// <param name="outerScope">
    /// For a subgraph (a <c>Loop</c>'s body): the values of the enclosing graph its nodes may read, which it must not
    /// define again; they must be defined in the enclosing graph before the node that holds this subgraph.
    /// </param>
    /// <exception cref="InvalidOperationException">
    /// A value name is defined twice, a node reads a value no earlier input, initializer or node (or the outer scope)
    /// defines, a declared output is never produced, or a node repeats an attribute.
    /// </exception>
    public OnnxGraph Build(IEnumerable<string>? outerScope = null)
    {
        var defined = new HashSet<string>(outerScope ?? [], StringComparer.Ordinal);
        void Define(string name, string by)
        {
            if (!defined.Add(name))
                throw new InvalidOperationException($"Graph '{Name}': value '{name}' is defined twice (again by {by}).");
        }

        foreach (var input in _inputs)
            Define(input.Name, "an input");
        foreach (var initializer in _initializers)
            Define(initializer.Name, "an initializer");
        foreach (var node in _nodes)
        {
            foreach (var input in node.Inputs.Where(input => input.Length > 0 && !defined.Contains(input)))
                throw new InvalidOperationException($"Graph '{Name}': node {node.Name} reads '{input}', which nothing before it defines.");
            var repeated = node.Attributes.GroupBy(attribute => attribute.Name).FirstOrDefault(group => group.Count() > 1);
            if (repeated is not null)
                throw new InvalidOperationException($"Graph '{Name}': node {node.Name} has attribute '{repeated.Key}' twice.");
            foreach (var output in node.Outputs.Where(output => output.Length > 0))
                Define(output, $"node {node.Name}");
        }
        foreach (var output in _outputs.Where(output => !defined.Contains(output.Name)))
            throw new InvalidOperationException($"Graph '{Name}': output '{output.Name}' is never produced.");

        return new OnnxGraph(Name, DocString, [.. _inputs], [.. _outputs], [.. _initializers], [.. _nodes]);
    }
}
