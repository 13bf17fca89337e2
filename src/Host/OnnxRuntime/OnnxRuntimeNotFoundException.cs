namespace Recurrent.Host.OnnxRuntime;

/// <summary>The ONNX Runtime native library could not be found or loaded.</summary>
public sealed class OnnxRuntimeNotFoundException : OnnxRuntimeException
{
    /// <summary>An error listing every path that was tried.</summary>
    public OnnxRuntimeNotFoundException(string message, IReadOnlyList<string> searchedPaths, Exception? innerException = null)
        : base(message, innerException)
    {
        SearchedPaths = searchedPaths;
    }

    /// <summary>The library paths that were tried, in order.</summary>
    public IReadOnlyList<string> SearchedPaths { get; }
}
