using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Recurrent.Host.OnnxRuntime;
using Recurrent.Host.Serving;
using Recurrent.Trainer;

namespace Recurrent.Host.Service.Predict;

/// <summary>
/// One loaded engine per finished run, opened on first use. ONNX Runtime is used when its library loads; otherwise
/// (or when a session cannot be opened) the managed engine answers, and the response says which.
/// </summary>
internal sealed class PredictionEngines(DataDirectory data, ILogger<PredictionEngines> log) : IDisposable
{
    private readonly ConcurrentDictionary<long, Lazy<IPredictionEngine>> _engines = new();
    private readonly Lazy<OnnxRuntimeEnvironment?> _runtime = new(() => OpenRuntime(log));

    public IPredictionEngine For(long runId) =>
        _engines.GetOrAdd(runId, id => new Lazy<IPredictionEngine>(() => Open(id))).Value;

    private IPredictionEngine Open(long runId)
    {
        if (_runtime.Value is { } runtime && File.Exists(data.Onnx(runId)))
        {
            try
            {
                return new OnnxEngine(OnnxPredictor.Open(runtime, data.Onnx(runId)));
            }
            catch (Exception e) when (e is OnnxRuntimeException or InvalidDataException)
            {
                log.LogWarning("Run {Id}: ONNX Runtime could not open the model ({Message}); the managed engine answers", runId, e.Message);
            }
        }
        return new ManagedEngine(SequenceClassifier.Load(data.Model(runId)));
    }

    private static OnnxRuntimeEnvironment? OpenRuntime(ILogger log)
    {
        try
        {
            var runtime = new OnnxRuntimeEnvironment();
            log.LogInformation("Predictions through ONNX Runtime {Version} ({Path})", runtime.Version, runtime.LibraryPath);
            return runtime;
        }
        catch (Exception e) when (e is OnnxRuntimeNotFoundException or OnnxRuntimeException or DllNotFoundException or BadImageFormatException)
        {
            log.LogInformation("ONNX Runtime is not available ({Message}); predictions use the managed engine", e.Message.Split('\n')[0]);
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var engine in _engines.Values.Where(l => l.IsValueCreated))
            engine.Value.Dispose();
        if (_runtime.IsValueCreated)
            _runtime.Value?.Dispose();
    }
}
