using System.Runtime.InteropServices;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Host.OnnxRuntime;

/// <summary>
/// One loaded model, ready to run. <see cref="Run"/> may be called from several threads at once (ONNX
/// Runtime allows concurrent runs of a session); dispose the session after the last run.
/// </summary>
public sealed class OnnxRuntimeSession : IDisposable
{
    private readonly OrtApi _api;
    private readonly OrtHandle _session;
    private readonly OrtHandle _env;
    private readonly OrtHandle _memoryInfo;
    private int _holdsEnvironment;

    private OnnxRuntimeSession(OnnxRuntimeEnvironment environment, OrtHandle session)
    {
        _api = environment.Api;
        _session = session;
        _env = environment.Env;
        _memoryInfo = environment.MemoryInfo;

        var raw = _session.DangerousGetHandle();
        InputNames = [.. Enumerable.Range(0, _api.SessionGetInputCount(raw)).Select(i => _api.SessionGetInputName(raw, i))];
        OutputNames = [.. Enumerable.Range(0, _api.SessionGetOutputCount(raw)).Select(i => _api.SessionGetOutputName(raw, i))];

        // ONNX Runtime requires the environment to outlive its sessions, so the session holds a reference
        // on it (and on the shared memory description) until it is disposed.
        var envAdded = false;
        var memoryAdded = false;
        _env.DangerousAddRef(ref envAdded);
        _memoryInfo.DangerousAddRef(ref memoryAdded);
        _holdsEnvironment = 1;
    }

    /// <summary>The model's input names in graph order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>The model's output names in graph order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    internal static OnnxRuntimeSession Open(OnnxRuntimeEnvironment environment, OnnxSessionOptions? options,
        Func<nint, nint, OrtHandle> create)
    {
        options ??= new OnnxSessionOptions();
        var api = environment.Api;
        using var sessionOptions = api.CreateSessionOptions();
        var rawOptions = sessionOptions.DangerousGetHandle();
        api.SetIntraOpNumThreads(rawOptions, options.IntraOpThreads);
        api.SetInterOpNumThreads(rawOptions, options.InterOpThreads);
        api.SetSessionGraphOptimizationLevel(rawOptions, (int)options.GraphOptimization);
        var session = create(environment.Env.DangerousGetHandle(), rawOptions);
        try
        {
            return new OnnxRuntimeSession(environment, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the model. Input buffers are pinned and read in place for the duration of the call; outputs are
    /// copied into managed arrays and ONNX Runtime's copies released before returning.
    /// </summary>
    /// <param name="inputs">Tensors by input name.</param>
    /// <param name="outputNames">Outputs to compute; null means all of <see cref="OutputNames"/>.</param>
    /// <returns>The outputs by name, in the requested order.</returns>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime rejected the inputs or failed; its message says why.</exception>
    public unsafe IReadOnlyDictionary<string, OnnxRuntimeTensor> Run(IReadOnlyDictionary<string, OnnxRuntimeTensor> inputs,
        IReadOnlyList<string>? outputNames = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        outputNames ??= OutputNames;
        var inputList = inputs.ToArray();
        var pins = new GCHandle[inputList.Length];
        var values = new nint[inputList.Length];
        var inputNames = new nint[inputList.Length];
        var requested = new nint[outputNames.Count];
        var outputs = new nint[outputNames.Count];
        var sessionAdded = false;
        try
        {
            _session.DangerousAddRef(ref sessionAdded);
            var memoryInfo = _memoryInfo.DangerousGetHandle();
            for (var i = 0; i < inputList.Length; i++)
            {
                var (name, tensor) = inputList[i];
                inputNames[i] = Marshal.StringToCoTaskMemUTF8(name);
                pins[i] = GCHandle.Alloc(tensor.Data, GCHandleType.Pinned);
                var byteLength = tensor.Data.LongLength * OnnxRuntimeTensor.ElementSize(tensor.Type);
                values[i] = _api.CreateTensorWithDataAsOrtValue(memoryInfo, pins[i].AddrOfPinnedObject(), byteLength,
                    [.. tensor.Shape], (int)tensor.Type);
            }
            for (var i = 0; i < requested.Length; i++)
                requested[i] = Marshal.StringToCoTaskMemUTF8(outputNames[i]);

            fixed (nint* inputNamesPointer = inputNames, valuesPointer = values, requestedPointer = requested, outputsPointer = outputs)
            {
                _api.Run(_session.DangerousGetHandle(), inputNamesPointer, valuesPointer, inputList.Length,
                    requestedPointer, requested.Length, outputsPointer);
            }

            var results = new Dictionary<string, OnnxRuntimeTensor>(StringComparer.Ordinal);
            for (var i = 0; i < outputs.Length; i++)
                results[outputNames[i]] = CopyOut(outputs[i]);
            return results;
        }
        finally
        {
            foreach (var output in outputs)
                _api.Release(OrtApiSlots.ReleaseValue, output);
            foreach (var value in values)
                _api.Release(OrtApiSlots.ReleaseValue, value);
            foreach (var pin in pins.Where(pin => pin.IsAllocated))
                pin.Free();
            foreach (var name in inputNames.Concat(requested))
                Marshal.FreeCoTaskMem(name);
            if (sessionAdded)
                _session.DangerousRelease();
        }
    }

    private unsafe OnnxRuntimeTensor CopyOut(nint value)
    {
        var (elementType, shape) = _api.GetTensorTypeAndShape(value);
        var tensor = OnnxRuntimeTensor.Allocate((OnnxType)elementType, shape);
        var byteLength = tensor.Data.LongLength * OnnxRuntimeTensor.ElementSize(tensor.Type);
        if (byteLength == 0)
            return tensor;
        var source = _api.GetTensorMutableData(value);
        var pin = GCHandle.Alloc(tensor.Data, GCHandleType.Pinned);
        try
        {
            Buffer.MemoryCopy((void*)source, (void*)pin.AddrOfPinnedObject(), byteLength, byteLength);
        }
        finally
        {
            pin.Free();
        }
        return tensor;
    }

    /// <summary>Releases the session, then its hold on the environment.</summary>
    public void Dispose()
    {
        _session.Dispose();
        if (Interlocked.Exchange(ref _holdsEnvironment, 0) == 1)
        {
            _memoryInfo.DangerousRelease();
            _env.DangerousRelease();
        }
    }
}
