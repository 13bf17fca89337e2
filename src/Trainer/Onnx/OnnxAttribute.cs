namespace Recurrent.Trainer.Onnx;

/// <summary>
/// A named node attribute such as <c>hidden_size</c> or <c>direction</c>. Create one with the factory
/// method of its type: <c>OnnxAttribute.Int("hidden_size", 64)</c>.
/// </summary>
internal sealed class OnnxAttribute
{
    private OnnxAttribute(string name, OnnxAttributeType type, object value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Type = type;
        Value = value;
    }

    /// <summary>The attribute's name as the operator defines it.</summary>
    public string Name { get; }

    /// <summary>Which kind of value the attribute holds.</summary>
    public OnnxAttributeType Type { get; }

    /// <summary>
    /// The value: <see cref="float"/>, <see cref="long"/>, <see cref="string"/>, <see cref="OnnxTensor"/>,
    /// <see cref="OnnxGraph"/>, or a read-only list of <see cref="float"/>, <see cref="long"/> or <see cref="string"/>, per
    /// <see cref="Type"/>.
    /// </summary>
    public object Value { get; }

    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, OnnxAttributeType.Float, value);

    /// <summary>An integer attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, OnnxAttributeType.Int, value);

    /// <summary>A string attribute.</summary>
    public static OnnxAttribute String(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(name, OnnxAttributeType.String, value);
    }

    /// <summary>A tensor attribute (for example the <c>value</c> of a <c>Constant</c> node).</summary>
    public static OnnxAttribute Tensor(string name, OnnxTensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(name, OnnxAttributeType.Tensor, value);
    }

    /// <summary>A subgraph attribute (for example the <c>body</c> of a <c>Loop</c>).</summary>
    public static OnnxAttribute Graph(string name, OnnxGraph value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(name, OnnxAttributeType.Graph, value);
    }

    /// <summary>A list-of-floats attribute; the list is copied.</summary>
    public static OnnxAttribute Floats(string name, params IEnumerable<float> values) =>
        new(name, OnnxAttributeType.Floats, values.ToArray());

    /// <summary>A list-of-integers attribute; the list is copied.</summary>
    public static OnnxAttribute Ints(string name, params IEnumerable<long> values) =>
        new(name, OnnxAttributeType.Ints, values.ToArray());

    /// <summary>A list-of-strings attribute; the list is copied.</summary>
    public static OnnxAttribute Strings(string name, params IEnumerable<string> values)
    {
        var copy = values.ToArray();
        if (copy.Any(value => value is null))
            throw new ArgumentException($"Attribute '{name}' has a null string.", nameof(values));
        return new(name, OnnxAttributeType.Strings, copy);
    }
}
