namespace Recurrent.Host.OnnxRuntime;

/// <summary>How a session runs. Every field has a documented default.</summary>
public sealed class OnnxSessionOptions
{
    /// <summary>
    /// Threads used inside one operator. Default 1: the service already runs requests concurrently and the
    /// models are small, so extra threads mostly add contention. 0 lets ONNX Runtime pick (one per core).
    /// </summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Threads used across independent operators (only with parallel execution). Default 1.</summary>
    public int InterOpThreads { get; set; } = 1;

    /// <summary>How much ONNX Runtime rewrites the graph before running it. Default <see cref="OnnxGraphOptimization.All"/>.</summary>
    public OnnxGraphOptimization GraphOptimization { get; set; } = OnnxGraphOptimization.All;
}

/// <summary>ONNX Runtime's <c>GraphOptimizationLevel</c>.</summary>
public enum OnnxGraphOptimization
{
    /// <summary>Run the graph as written.</summary>
    Disabled = 0,

    /// <summary>Constant folding and redundant-node removal.</summary>
    Basic = 1,

    /// <summary>Basic plus node fusions.</summary>
    Extended = 2,

    /// <summary>Everything, including layout optimisations.</summary>
    All = 99,
}
