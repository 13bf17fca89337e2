namespace Recurrent.Trainer.Onnx;

/// <summary>
/// What the graphs that wrap the standard per-step graph for ML.NET's OnnxTransformer (one row per call) share: the
/// input column must not take a name the standard graph or the wrapper uses, and the wrapped model keeps the
/// standard model's versions and metadata.
/// </summary>
internal static class RowGraphWrapping
{
    /// <summary>
    /// Refuses an input column named like one of <paramref name="inner"/>'s values or starting with the wrapper's own
    /// <paramref name="prefix"/>; <paramref name="column"/> and <paramref name="graph"/> name them in the message.
    /// </summary>
    public static void RefuseTakenName(OnnxGraph inner, string inputColumn, string prefix, string column, string graph)
    {
        var taken = inner.Initializers.Select(t => t.Name).Concat(inner.Nodes.SelectMany(n => n.Outputs))
            .Concat(inner.Inputs.Select(i => i.Name)).ToHashSet(StringComparer.Ordinal);
        if (taken.Contains(inputColumn) || inputColumn.StartsWith(prefix, StringComparison.Ordinal))
            throw new ArgumentException($"The {column} cannot be named '{inputColumn}': {graph} uses that name itself; rename the column.", nameof(inputColumn));
    }

    /// <summary><paramref name="graph"/> as a model with <paramref name="standard"/>'s versions and metadata.</summary>
    public static OnnxModel Wrap(OnnxModel standard, OnnxGraph graph) => new(graph)
    {
        IrVersion = standard.IrVersion,
        OpsetVersion = standard.OpsetVersion,
        ExtraOpsets = standard.ExtraOpsets,
        ProducerVersion = standard.ProducerVersion,
        DocString = standard.DocString,
        Metadata = standard.Metadata,
    };
}
