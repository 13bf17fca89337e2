using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Recurrent.Host.OnnxRuntime;

/// <summary>
/// ONNX Runtime's C API function table, loaded from one library file, with each function we use wrapped so
/// that a failing <c>OrtStatus</c> becomes an <see cref="OnnxRuntimeException"/> carrying ONNX Runtime's
/// message. Pointers in and out are raw; the public classes own them through <see cref="OrtHandle"/>.
/// </summary>
internal sealed unsafe class OrtApi
{
    // Every slot we use exists since the first API version, and asking for the oldest lets older runtimes
    // answer as well as new ones.
    private const uint ApiVersion = 1;

    private static readonly ConcurrentDictionary<string, Lazy<OrtApi>> Loaded = new(StringComparer.Ordinal);

    private readonly nint* _table;

    private OrtApi(string libraryPath, nint* table, string version)
    {
        LibraryPath = libraryPath;
        _table = table;
        Version = version;
    }

    /// <summary>The library file this table came from.</summary>
    public string LibraryPath { get; }

    /// <summary>ONNX Runtime's version string, e.g. "1.30.0".</summary>
    public string Version { get; }

    /// <summary>The API of the library at this path, loading it on first use (a library is never unloaded).</summary>
    public static OrtApi Load(string libraryPath)
    {
        // Failures are not cached, so a library installed while the process runs is picked up on the next try.
        var lazy = Loaded.GetOrAdd(Path.GetFullPath(libraryPath),
            path => new Lazy<OrtApi>(() => LoadUncached(path), LazyThreadSafetyMode.PublicationOnly));
        return lazy.Value;
    }

    private static OrtApi LoadUncached(string path)
    {
        nint library;
        try
        {
            library = NativeLibrary.Load(path);
        }
        catch (Exception error) when (error is DllNotFoundException or BadImageFormatException)
        {
            throw OnnxRuntimeLibraryLocator.NotFound(
                $"The file {path} could not be loaded as ONNX Runtime ({error.Message}).", [path], error);
        }
        if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out var getApiBase))
        {
            throw OnnxRuntimeLibraryLocator.NotFound(
                $"The library {path} does not export OrtGetApiBase, so it is not ONNX Runtime.", [path]);
        }
        // OrtApiBase is { const OrtApi* GetApi(uint32_t version); const char* GetVersionString(void); }.
        var apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
        var version = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)apiBase[1])()) ?? "unknown";
        var table = ((delegate* unmanaged<uint, nint*>)apiBase[0])(ApiVersion);
        if (table == null)
            throw new OnnxRuntimeException($"ONNX Runtime {version} at {path} does not offer C API version {ApiVersion}.");
        return new OrtApi(path, table, version);
    }

    private nint this[int slot] => _table[slot];

    /// <summary>Turns a non-null status into an exception with ONNX Runtime's message, releasing the status.</summary>
    public void Check(nint status)
    {
        if (status == nint.Zero)
            return;
        var message = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)this[OrtApiSlots.GetErrorMessage])(status));
        var code = ((delegate* unmanaged<nint, int>)this[OrtApiSlots.GetErrorCode])(status);
        ((delegate* unmanaged<nint, void>)this[OrtApiSlots.ReleaseStatus])(status);
        throw new OnnxRuntimeException((OnnxRuntimeErrorCode)code, message ?? "ONNX Runtime reported an error without a message.");
    }

    /// <summary>The release function of a slot, for an <see cref="OrtHandle"/>.</summary>
    public delegate* unmanaged<nint, void> Releaser(int slot) => (delegate* unmanaged<nint, void>)this[slot];

    /// <summary>Releases an object that is not held in an <see cref="OrtHandle"/> (a short-lived one).</summary>
    public void Release(int slot, nint value)
    {
        if (value != nint.Zero)
            Releaser(slot)(value);
    }

    public OrtHandle CreateEnv(int loggingLevel, string logId)
    {
        nint env;
        var id = Marshal.StringToCoTaskMemUTF8(logId);
        try
        {
            Check(((delegate* unmanaged<int, nint, nint*, nint>)this[OrtApiSlots.CreateEnv])(loggingLevel, id, &env));
        }
        finally
        {
            Marshal.FreeCoTaskMem(id);
        }
        return new OrtHandle(env, Releaser(OrtApiSlots.ReleaseEnv));
    }

    public OrtHandle CreateCpuMemoryInfo()
    {
        const int arenaAllocator = 1, defaultMemory = 0;
        nint info;
        Check(((delegate* unmanaged<int, int, nint*, nint>)this[OrtApiSlots.CreateCpuMemoryInfo])(arenaAllocator, defaultMemory, &info));
        return new OrtHandle(info, Releaser(OrtApiSlots.ReleaseMemoryInfo));
    }

    public OrtHandle CreateSessionOptions()
    {
        nint options;
        Check(((delegate* unmanaged<nint*, nint>)this[OrtApiSlots.CreateSessionOptions])(&options));
        return new OrtHandle(options, Releaser(OrtApiSlots.ReleaseSessionOptions));
    }

    public void SetIntraOpNumThreads(nint options, int threads) =>
        Check(((delegate* unmanaged<nint, int, nint>)this[OrtApiSlots.SetIntraOpNumThreads])(options, threads));

    public void SetInterOpNumThreads(nint options, int threads) =>
        Check(((delegate* unmanaged<nint, int, nint>)this[OrtApiSlots.SetInterOpNumThreads])(options, threads));

    public void SetSessionGraphOptimizationLevel(nint options, int level) =>
        Check(((delegate* unmanaged<nint, int, nint>)this[OrtApiSlots.SetSessionGraphOptimizationLevel])(options, level));

    public OrtHandle CreateSession(nint env, string modelPath, nint options)
    {
        nint session;
        var path = Marshal.StringToCoTaskMemUTF8(modelPath);
        try
        {
            Check(((delegate* unmanaged<nint, nint, nint, nint*, nint>)this[OrtApiSlots.CreateSession])(env, path, options, &session));
        }
        finally
        {
            Marshal.FreeCoTaskMem(path);
        }
        return new OrtHandle(session, Releaser(OrtApiSlots.ReleaseSession));
    }

    public OrtHandle CreateSessionFromArray(nint env, ReadOnlySpan<byte> model, nint options)
    {
        nint session;
        fixed (byte* data = model)
        {
            Check(((delegate* unmanaged<nint, byte*, nuint, nint, nint*, nint>)this[OrtApiSlots.CreateSessionFromArray])(
                env, data, (nuint)model.Length, options, &session));
        }
        return new OrtHandle(session, Releaser(OrtApiSlots.ReleaseSession));
    }

    public int SessionGetInputCount(nint session)
    {
        nuint count;
        Check(((delegate* unmanaged<nint, nuint*, nint>)this[OrtApiSlots.SessionGetInputCount])(session, &count));
        return checked((int)count);
    }

    public int SessionGetOutputCount(nint session)
    {
        nuint count;
        Check(((delegate* unmanaged<nint, nuint*, nint>)this[OrtApiSlots.SessionGetOutputCount])(session, &count));
        return checked((int)count);
    }

    public string SessionGetInputName(nint session, int index) => SessionGetName(OrtApiSlots.SessionGetInputName, session, index);

    public string SessionGetOutputName(nint session, int index) => SessionGetName(OrtApiSlots.SessionGetOutputName, session, index);

    private string SessionGetName(int slot, nint session, int index)
    {
        // The default allocator belongs to ONNX Runtime and must never be released; only the name it allocates is freed.
        nint allocator;
        Check(((delegate* unmanaged<nint*, nint>)this[OrtApiSlots.GetAllocatorWithDefaultOptions])(&allocator));
        nint name;
        Check(((delegate* unmanaged<nint, nuint, nint, nint*, nint>)this[slot])(session, (nuint)index, allocator, &name));
        try
        {
            return Marshal.PtrToStringUTF8(name) ?? "";
        }
        finally
        {
            Check(((delegate* unmanaged<nint, nint, nint>)this[OrtApiSlots.AllocatorFree])(allocator, name));
        }
    }

    /// <summary>Wraps caller memory as a tensor without copying; the memory must stay pinned until the value is released.</summary>
    public nint CreateTensorWithDataAsOrtValue(nint memoryInfo, nint data, long byteLength, ReadOnlySpan<long> shape, int elementType)
    {
        nint value;
        fixed (long* dims = shape)
        {
            Check(((delegate* unmanaged<nint, nint, nuint, long*, nuint, int, nint*, nint>)this[OrtApiSlots.CreateTensorWithDataAsOrtValue])(
                memoryInfo, data, (nuint)byteLength, dims, (nuint)shape.Length, elementType, &value));
        }
        return value;
    }

    public void Run(nint session, nint* inputNames, nint* inputs, int inputCount, nint* outputNames, int outputCount, nint* outputs) =>
        Check(((delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)this[OrtApiSlots.Run])(
            session, nint.Zero, inputNames, inputs, (nuint)inputCount, outputNames, (nuint)outputCount, outputs));

    /// <summary>A tensor value's element type and dimensions.</summary>
    public (int ElementType, long[] Shape) GetTensorTypeAndShape(nint value)
    {
        nint info;
        Check(((delegate* unmanaged<nint, nint*, nint>)this[OrtApiSlots.GetTensorTypeAndShape])(value, &info));
        try
        {
            int elementType;
            Check(((delegate* unmanaged<nint, int*, nint>)this[OrtApiSlots.GetTensorElementType])(info, &elementType));
            nuint rank;
            Check(((delegate* unmanaged<nint, nuint*, nint>)this[OrtApiSlots.GetDimensionsCount])(info, &rank));
            var shape = new long[(int)rank];
            fixed (long* dims = shape)
            {
                Check(((delegate* unmanaged<nint, long*, nuint, nint>)this[OrtApiSlots.GetDimensions])(info, dims, rank));
            }
            return (elementType, shape);
        }
        finally
        {
            Release(OrtApiSlots.ReleaseTensorTypeAndShapeInfo, info);
        }
    }

    public nint GetTensorMutableData(nint value)
    {
        nint data;
        Check(((delegate* unmanaged<nint, nint*, nint>)this[OrtApiSlots.GetTensorMutableData])(value, &data));
        return data;
    }
}
