using System.Collections.Concurrent;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Predictions;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Service.Predictions;

/// <summary>
/// One loaded engine per finished run, opened on first use: ONNX Runtime on the run's exported model, or the managed
/// engine for a run that has no ONNX file. A file ONNX Runtime cannot load is a 422 naming the file and ONNX
/// Runtime's reason, and is tried again on the next request (nothing is cached for it).
/// </summary>
internal sealed class PredictionEngines(DataDirectory data, ArtifactStore artifacts) : IDisposable
{
    private readonly ConcurrentDictionary<long, Lazy<IPredictionEngine>> _engines = new();

    public IPredictionEngine For(long runId)
    {
        var engine = _engines.GetOrAdd(runId, id => new Lazy<IPredictionEngine>(() => Open(id)));
        try
        {
            return engine.Value;
        }
        catch (InvalidDataException e)
        {
            _engines.TryRemove(new KeyValuePair<long, Lazy<IPredictionEngine>>(runId, engine));
            throw new BadRequestException(null, $"Run {runId}: {e.Message}", StatusCodes.Status422UnprocessableEntity);
        }
    }

    private IPredictionEngine Open(long runId)
    {
        if (Local(data.Onnx(runId)))
            return new OnnxEngine(OnnxPredictor.Open(data.Onnx(runId)));
        Local(data.Model(runId));
        return new ManagedEngine(SequenceModel.Load(data.Model(runId)));
    }

    // A finished run's files never change, so a copy fetched from the fleet's store once serves from then on.
    private bool Local(string path) => File.Exists(path) || artifacts.Fetch(path);

    public void Dispose()
    {
        foreach (var engine in _engines.Values.Where(l => l.IsValueCreated))
            engine.Value.Dispose();
    }
}
