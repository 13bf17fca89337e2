namespace Recurrent.Host.OnnxRuntime;

/// <summary>
/// A call into ONNX Runtime failed. <see cref="Exception.Message"/> is ONNX Runtime's own message, so it names
/// the offending node, input or file.
/// </summary>
public class OnnxRuntimeException : Exception
{
    /// <summary>An error reported by ONNX Runtime with its error code.</summary>
    public OnnxRuntimeException(OnnxRuntimeErrorCode errorCode, string message)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>An error found on our side of the binding (no ONNX Runtime error code).</summary>
    public OnnxRuntimeException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>ONNX Runtime's category for the error, or null when the error did not come from ONNX Runtime.</summary>
    public OnnxRuntimeErrorCode? ErrorCode { get; }
}
