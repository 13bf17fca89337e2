using Microsoft.Extensions.Options;
using Recurrent.Host.Service;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Predictions;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Sqlite;

namespace Recurrent.Host.Tests.Service.Predictions;

/// <summary>
/// Which engine answers a run's predictions, what a model file ONNX Runtime cannot load or that is damaged becomes,
/// and the bounds of the engine cache.
/// </summary>
public sealed class PredictionEnginesTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"recurrent-engines-{Guid.NewGuid():N}");

    [Fact]
    public void A_corrupt_onnx_file_is_a_422_naming_the_file_and_onnx_runtimes_reason_and_is_retried_once_fixed()
    {
        var data = new DataDirectory(_root);
        Directory.CreateDirectory(data.RunDir(7));
        File.WriteAllBytes(data.Onnx(7), [0x08, 0x08, 0x12, 0xFF, 0xFF]);
        using var engines = Engines(data, new PredictLimitOptions());

        var error = Assert.Throws<UnprocessableException>(() => engines.Rent(7));

        Assert.Equal(422, error.Status);
        Assert.StartsWith("Run 7: runs/7/model.onnx: ONNX Runtime cannot load this model: [ErrorCode:InvalidProtobuf]", error.Message);

        // Nothing was cached for the failure: a readable file is opened on the next request.
        Model().ExportOnnx(data.Onnx(7));
        using var rental = engines.Rent(7);
        Assert.Equal("onnxruntime", rental.Engine.Name);
    }

    [Fact]
    public void A_model_whose_bytes_changed_since_it_was_stored_is_named_and_never_predicts()
    {
        var data = new DataDirectory(_root);
        var artifacts = Artifacts(data);
        Directory.CreateDirectory(data.RunDir(3));
        Model().ExportOnnx(data.Onnx(3));
        artifacts.Publish(data.Onnx(3));
        var bytes = File.ReadAllBytes(data.Onnx(3));
        bytes[bytes.Length / 2] ^= 0x01; // one flipped bit, that ONNX Runtime might well load
        File.WriteAllBytes(data.Onnx(3), bytes);
        using var engines = new PredictionEngines(data, artifacts, Options.Create(new ServiceOptions()));

        var error = Assert.Throws<DamagedFileException>(() => engines.Rent(3));
        Assert.Equal(500, error.Status);
        Assert.StartsWith("runs/7/model.onnx is damaged".Replace("7", "3"), error.Message);
        Assert.Contains("It is not used", error.Message);
    }

    [Fact]
    public void The_cache_keeps_at_most_its_count_of_engines_and_closes_the_least_recently_used()
    {
        var data = new DataDirectory(_root);
        foreach (var id in new long[] { 1, 2, 3 })
        {
            Directory.CreateDirectory(data.RunDir(id));
            Model().ExportOnnx(data.Onnx(id));
        }
        using var engines = Engines(data, new PredictLimitOptions { MaxEngines = 2 });
        using (engines.Rent(1))
        {
        }
        var inUse = engines.Rent(2);
        using (engines.Rent(3))
        {
        }
        Assert.Equal(2, engines.Held().Count); // 1, the least recently used, was closed
        // 2 is in use while 3 and 1 come: it leaves the cache but keeps working until its request is done.
        using (engines.Rent(1))
        {
        }
        Assert.Equal("onnxruntime", inUse.Engine.Name);
        Assert.Single(inUse.Engine.PredictBatch([Recurrent.Trainer.Data.SequenceExample.FromSteps([1f, 0f, 0f], 3, 0)], CancellationToken.None));
        inUse.Dispose();
        Assert.Equal(2, engines.Held().Count);
    }

    private PredictionEngines Engines(DataDirectory data, PredictLimitOptions limits) =>
        new(data, Artifacts(data), Options.Create(new ServiceOptions { Predict = limits }));

    private static LocalArtifacts Artifacts(DataDirectory data) => new(data, new SqliteDatabase(data.Database), new RunFence());

    private static Recurrent.Trainer.Models.SequenceModel Model() =>
        new Recurrent.Trainer.Training.SequenceModelTrainer(new Recurrent.Trainer.SequenceModelOptions { HiddenSize = 3, MaxSteps = 0 })
            .Initialize(Recurrent.Trainer.Data.DatasetLoader.Load("seed-toy").Train);

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
