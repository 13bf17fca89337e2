using Recurrent.Trainer.Onnx;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.Support;

/// <summary>
/// Writes a model to a file and puts it through all three peers: the onnx checker, ONNX Runtime 1.32.0 through
/// Microsoft.ML.OnnxRuntime, and ONNX Runtime 1.30 through onnxruntime-node (a separate build and binding). The two
/// runtimes must agree within 1e-6 on every output; Microsoft.ML.OnnxRuntime's outputs are returned for comparison
/// with the reference equations.
/// </summary>
internal static class PeerRun
{
    public const double RuntimeAgreement = 1e-6;

    public static IReadOnlyDictionary<string, TensorData> CheckAndRun(OnnxModel model,
        IReadOnlyDictionary<string, TensorData> inputs, ITestOutputHelper? log = null)
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File($"{model.Graph.Name}.onnx");
        OnnxModelWriter.WriteFile(path, model);

        OnnxChecker.CheckAndDescribe(path);

        IReadOnlyDictionary<string, TensorData> ours;
        using (var session = OrtSessions.Open(path))
            ours = session.Run(inputs);
        var theirs = NodeOnnxRuntime.Run(path, inputs);

        Assert.Equal(ours.Keys.Order(), theirs.Keys.Order());
        foreach (var (name, tensor) in ours)
        {
            Assert.Equal(theirs[name].Shape, tensor.Shape);
            Assert.Equal(theirs[name].Type, tensor.Type);
            if (tensor.Type == OnnxType.Float)
            {
                var difference = Tolerance.AssertClose(theirs[name].AsFloats(), tensor.AsFloats(), RuntimeAgreement, $"{model.Graph.Name} {name}: package vs node");
                log?.WriteLine($"{model.Graph.Name} {name}: max |package − node| = {difference:E2}");
            }
            else
            {
                Assert.Equal(theirs[name].Data.Cast<object>(), tensor.Data.Cast<object>());
            }
        }
        return ours;
    }
}
