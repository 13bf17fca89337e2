using Recurrent.Host.Service;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Predictions;

namespace Recurrent.Host.Tests.Service.Predictions;

/// <summary>Which engine answers a run's predictions, and what a model file ONNX Runtime cannot load becomes.</summary>
public sealed class PredictionEnginesTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"recurrent-engines-{Guid.NewGuid():N}");

    [Fact]
    public void A_corrupt_onnx_file_is_a_422_naming_the_file_and_onnx_runtimes_reason_and_is_retried_once_fixed()
    {
        var data = new DataDirectory(_root);
        Directory.CreateDirectory(data.RunDir(7));
        File.WriteAllBytes(data.Onnx(7), [0x08, 0x08, 0x12, 0xFF, 0xFF]);
        using var engines = new PredictionEngines(data, new Recurrent.Host.Service.Store.LocalArtifacts(data, new Recurrent.Host.Service.Store.Sqlite.SqliteDatabase(data.Database), new Recurrent.Host.Service.Store.RunFence()));

        var error = Assert.Throws<UnprocessableException>(() => engines.For(7));

        Assert.Equal(422, error.Status);
        Assert.StartsWith($"Run 7: {data.Onnx(7)}: ONNX Runtime cannot load this model: [ErrorCode:InvalidProtobuf]", error.Message);

        // Nothing was cached for the failure: a readable file is opened on the next request.
        var model = new Recurrent.Trainer.Training.SequenceModelTrainer(
            new Recurrent.Trainer.SequenceModelOptions { HiddenSize = 3, MaxSteps = 0 })
            .Initialize(Recurrent.Trainer.Data.DatasetLoader.Load("seed-toy").Train);
        model.ExportOnnx(data.Onnx(7));
        Assert.Equal("onnxruntime", engines.For(7).Name);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
