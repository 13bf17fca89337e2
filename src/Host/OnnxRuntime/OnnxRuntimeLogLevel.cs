namespace Recurrent.Host.OnnxRuntime;

/// <summary>ONNX Runtime's <c>OrtLoggingLevel</c>: the least severe message it prints to standard error.</summary>
public enum OnnxRuntimeLogLevel
{
    /// <summary>Everything, including per-node details.</summary>
    Verbose = 0,

    /// <summary>Informational messages and worse.</summary>
    Info = 1,

    /// <summary>Warnings and worse.</summary>
    Warning = 2,

    /// <summary>Errors and worse.</summary>
    Error = 3,

    /// <summary>Only fatal errors.</summary>
    Fatal = 4,
}
