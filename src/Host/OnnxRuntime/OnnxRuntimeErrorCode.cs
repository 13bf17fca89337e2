namespace Recurrent.Host.OnnxRuntime;

/// <summary>ONNX Runtime's <c>OrtErrorCode</c>: the category of a failed call, next to its message.</summary>
public enum OnnxRuntimeErrorCode
{
    /// <summary>A failure without a more specific category.</summary>
    Fail = 1,

    /// <summary>An argument was wrong: an unknown input name, a wrong element type or shape.</summary>
    InvalidArgument = 2,

    /// <summary>A model file does not exist.</summary>
    NoSuchFile = 3,

    /// <summary>No model was loaded.</summary>
    NoModel = 4,

    /// <summary>An execution engine failed.</summary>
    EngineError = 5,

    /// <summary>An exception was raised inside ONNX Runtime.</summary>
    RuntimeException = 6,

    /// <summary>The model bytes are not a valid ONNX protobuf.</summary>
    InvalidProtobuf = 7,

    /// <summary>A model was already loaded.</summary>
    ModelLoaded = 8,

    /// <summary>An operator or type has no implementation.</summary>
    NotImplemented = 9,

    /// <summary>The graph is invalid: an unknown operator, a dangling value, a type mismatch.</summary>
    InvalidGraph = 10,

    /// <summary>An execution provider failed.</summary>
    ExecutionProviderFail = 11,
}
