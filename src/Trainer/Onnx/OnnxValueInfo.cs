namespace Recurrent.Trainer.Onnx;

/// <summary>A graph input or output: its name, element type and shape.</summary>
/// <param name="Name">The value's name, unique in the graph.</param>
/// <param name="Type">The element type.</param>
/// <param name="Shape">The dimensions, outermost first; null when even the rank is unknown.</param>
internal sealed record OnnxValueInfo(string Name, OnnxType Type, IReadOnlyList<OnnxDimension>? Shape);
