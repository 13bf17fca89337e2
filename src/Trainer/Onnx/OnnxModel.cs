namespace Recurrent.Trainer.Onnx;

/// <summary>
/// A graph plus what an ONNX file says about it: format and operator-set versions, who produced it, and free
/// key/value metadata (where an exported classifier keeps its vocabulary and class labels).
/// </summary>
internal sealed class OnnxModel
{
    /// <summary>Wraps a built graph.</summary>
    public OnnxModel(OnnxGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
    }

    /// <summary>The computation.</summary>
    public OnnxGraph Graph { get; }

    /// <summary>
    /// The ONNX IR (file format) version. Default 8: the newest that Debian's onnx 1.12 checker accepts, and
    /// well inside what ONNX Runtime 1.30 loads.
    /// </summary>
    public long IrVersion { get; init; } = 8;

    /// <summary>
    /// The default-domain operator-set version. Default 17, the set that goes with IR 8; RNN, LSTM and GRU are
    /// at their version 14 there, the current definition.
    /// </summary>
    public long OpsetVersion { get; init; } = 17;

    /// <summary>Operator sets besides the default domain, e.g. ("ai.onnx.ml", 2) for LabelEncoder.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ExtraOpsets { get; init; } = [];

    /// <summary>The producing tool's name. Default "Recurrent".</summary>
    public string ProducerName { get; init; } = "Recurrent";

    /// <summary>The producing tool's version, or null.</summary>
    public string? ProducerVersion { get; init; }

    /// <summary>The model's own version number, or null to leave it unset.</summary>
    public long? ModelVersion { get; init; }

    /// <summary>A human-readable description, or null.</summary>
    public string? DocString { get; init; }

    /// <summary>Free key/value pairs (ONNX <c>metadata_props</c>), written in this order. Default none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; init; } = [];
}
