using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Service.Predictions;

/// <summary>
/// The loaded engines of finished runs, opened on first use: ONNX Runtime on the run's exported model (its memory
/// arena off, so an idle session holds its weights only), or the managed engine for a run that has no ONNX file.
/// The cache is bounded in count (<see cref="PredictLimitOptions.MaxEngines"/>) and in estimated memory
/// (<see cref="PredictLimitOptions.EngineCacheBytes"/>): the least recently used engines are closed beyond either,
/// an engine in use once its last request is done. A file ONNX Runtime cannot load is a 422 naming the file and ONNX
/// Runtime's reason, and is tried again on the next request (nothing is cached for it); a damaged file (its digest
/// differs from the one stored with it) is a 500 naming the damage, and no prediction is made from it.
/// </summary>
internal sealed class PredictionEngines(DataDirectory data, ArtifactStore artifacts, IOptions<ServiceOptions> options) : IDisposable
{
    // What a session holds beyond its file's bytes (the graph, kernels' state), by estimate.
    private const long SessionOverheadBytes = 4L << 20;

    private readonly Lock _gate = new();
    private readonly Dictionary<long, Entry> _entries = [];
    private long _clock;

    private PredictLimitOptions Limits => options.Value.Predict;

    /// <summary>The run's engine for one request; dispose the rental when the request is done with it.</summary>
    public Rental Rent(long runId)
    {
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(runId, out entry!))
                _entries[runId] = entry = new Entry(new Lazy<IPredictionEngine>(() => Open(runId)));
            entry.Users++;
            entry.LastUsed = ++_clock;
        }
        try
        {
            _ = entry.Engine.Value;
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                entry.Users--;
                if (_entries.TryGetValue(runId, out var cached) && cached == entry)
                    _entries.Remove(runId);
            }
            if (e is InvalidDataException)
                throw new UnprocessableException($"Run {runId}: {data.Relative(e.Message)}");
            throw;
        }
        lock (_gate)
        {
            entry.Bytes = EstimateBytes(runId);
            Evict();
        }
        return new Rental(this, entry);
    }

    /// <summary>How many engines are open, and their estimated bytes (for tests and the limits' account).</summary>
    public (int Count, long Bytes) Held()
    {
        lock (_gate)
            return (_entries.Count(e => e.Value.Engine.IsValueCreated), _entries.Values.Sum(e => e.Bytes));
    }

    private IPredictionEngine Open(long runId)
    {
        NativeHeap.ReturnLargeBlocks();
        if (artifacts.Ensure(data.Onnx(runId)))
            return new OnnxEngine(OnnxPredictor.Open(data.Onnx(runId), memoryArena: false));
        if (!artifacts.Ensure(data.Model(runId)))
            throw new InvalidDataException($"{data.Model(runId)}: the run's model is missing");
        return new ManagedEngine(SequenceModel.Load(data.Model(runId)));
    }

    private long EstimateBytes(long runId)
    {
        var file = File.Exists(data.Onnx(runId)) ? data.Onnx(runId) : data.Model(runId);
        return (File.Exists(file) ? 2 * new FileInfo(file).Length : 0) + SessionOverheadBytes;
    }

    // Under the gate: closes the least recently used engines beyond the bounds (one in use closes when released).
    private void Evict()
    {
        while (_entries.Count > Limits.MaxEngines || (_entries.Count > 1 && _entries.Values.Sum(e => e.Bytes) > Limits.EngineCacheBytes))
        {
            var (id, oldest) = _entries.MinBy(e => e.Value.LastUsed);
            _entries.Remove(id);
            oldest.Evicted = true;
            if (oldest.Users == 0)
                Close(oldest);
        }
    }

    private void Release(Entry entry)
    {
        lock (_gate)
        {
            entry.Users--;
            if (entry.Evicted && entry.Users == 0)
                Close(entry);
        }
    }

    private static void Close(Entry entry)
    {
        if (entry.Engine.IsValueCreated)
            entry.Engine.Value.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
                Close(entry);
            _entries.Clear();
        }
    }

    internal sealed class Entry(Lazy<IPredictionEngine> engine)
    {
        public Lazy<IPredictionEngine> Engine { get; } = engine;

        public int Users { get; set; }

        public long LastUsed { get; set; }

        public long Bytes { get; set; }

        public bool Evicted { get; set; }
    }

    /// <summary>An engine lent to one request.</summary>
    internal sealed class Rental : IDisposable
    {
        private readonly PredictionEngines _owner;
        private readonly Entry _entry;
        private int _returned;

        internal Rental(PredictionEngines owner, Entry entry) => (_owner, _entry) = (owner, entry);

        public IPredictionEngine Engine => _entry.Engine.Value;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
                _owner.Release(_entry);
        }
    }
}
