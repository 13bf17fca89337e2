namespace Recurrent.Host.OnnxRuntime;

/// <summary>
/// A loaded ONNX Runtime and its process-wide environment (logging, thread pools). Create one, open sessions
/// from it, and dispose it after them; a session keeps the environment alive until the session is disposed.
/// </summary>
public sealed class OnnxRuntimeEnvironment : IDisposable
{
    /// <summary>Loads ONNX Runtime and creates its environment.</summary>
    /// <param name="libraryPath">
    /// The path of <c>libonnxruntime.so.1</c> (or its directory); null searches as
    /// <see cref="OnnxRuntimeLibraryLocator"/> describes.
    /// </param>
    /// <param name="logLevel">
    /// The least severe message ONNX Runtime prints to standard error. Default
    /// <see cref="OnnxRuntimeLogLevel.Fatal"/>: every error already reaches the caller as an
    /// <see cref="OnnxRuntimeException"/> with the same text, and warnings are about harmless graph details.
    /// ONNX Runtime keeps one environment per process, so the first environment's level holds.
    /// </param>
    /// <param name="logId">The name ONNX Runtime puts in front of its log lines.</param>
    /// <exception cref="OnnxRuntimeNotFoundException">The library was not found or is not ONNX Runtime.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime refused to create the environment.</exception>
    public OnnxRuntimeEnvironment(string? libraryPath = null, OnnxRuntimeLogLevel logLevel = OnnxRuntimeLogLevel.Fatal,
        string logId = "recurrent")
    {
        Api = OrtApi.Load(OnnxRuntimeLibraryLocator.Locate(libraryPath));
        Env = Api.CreateEnv((int)logLevel, logId);
        MemoryInfo = Api.CreateCpuMemoryInfo();
    }

    /// <summary>The path of the loaded library.</summary>
    public string LibraryPath => Api.LibraryPath;

    /// <summary>ONNX Runtime's version, e.g. "1.30.0".</summary>
    public string Version => Api.Version;

    internal OrtApi Api { get; }

    internal OrtHandle Env { get; }

    /// <summary>Describes managed input buffers to ONNX Runtime as CPU memory; shared by all sessions.</summary>
    internal OrtHandle MemoryInfo { get; }

    /// <summary>Opens a model file.</summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime could not load the model; its message says why.</exception>
    public OnnxRuntimeSession OpenSession(string modelPath, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        return OnnxRuntimeSession.Open(this, options, (env, sessionOptions) => Api.CreateSession(env, modelPath, sessionOptions));
    }

    /// <summary>Opens a model held in memory (the bytes are not kept).</summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime could not load the model; its message says why.</exception>
    public OnnxRuntimeSession OpenSession(byte[] model, OnnxSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return OnnxRuntimeSession.Open(this, options, (env, sessionOptions) => Api.CreateSessionFromArray(env, model, sessionOptions));
    }

    /// <summary>Releases the environment once no session uses it any more.</summary>
    public void Dispose()
    {
        MemoryInfo.Dispose();
        Env.Dispose();
    }
}
