namespace Recurrent.Trainer.Onnx;

/// <summary>One operator application in a graph.</summary>
/// <param name="OpType">The operator, e.g. <c>"LSTM"</c>, from the default ONNX domain.</param>
/// <param name="Name">The node's name, unique in the graph (it appears in ONNX Runtime's error messages).</param>
/// <param name="Inputs">Input value names in the operator's order; "" skips an optional input.</param>
/// <param name="Outputs">Output value names in the operator's order; "" skips an optional output.</param>
/// <param name="Attributes">The attributes, at most one per name.</param>
internal sealed record OnnxNode(
    string OpType,
    string Name,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyList<OnnxAttribute> Attributes)
{
    /// <summary>The operator set: "" for ONNX's default domain, "ai.onnx.ml" for the traditional-ML operators.</summary>
    public string Domain { get; init; } = "";
}
