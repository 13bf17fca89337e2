using Recurrent.Host.OnnxRuntime;
using Recurrent.Trainer.Onnx;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.Support;

/// <summary>
/// Writes a model to a file and puts it through all three peers: the onnx checker, ONNX Runtime through our
/// binding and ONNX Runtime through onnxruntime-node. The two runtimes must agree within 1e-6 on every
/// output; the binding's outputs are returned for comparison with the reference equations.
/// </summary>
internal static class PeerRun
{
    public const double RuntimeAgreement = 1e-6;

    public static IReadOnlyDictionary<string, OnnxRuntimeTensor> CheckAndRun(OnnxRuntimeEnvironment environment, OnnxModel model,
        IReadOnlyDictionary<string, OnnxRuntimeTensor> inputs, ITestOutputHelper? log = null)
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File($"{model.Graph.Name}.onnx");
        OnnxModelWriter.WriteFile(path, model);

        OnnxChecker.CheckAndDescribe(path);

        IReadOnlyDictionary<string, OnnxRuntimeTensor> ours;
        using (var session = environment.OpenSession(path))
            ours = session.Run(inputs);
        var theirs = NodeOnnxRuntime.Run(path, inputs);

        Assert.Equal(ours.Keys.Order(), theirs.Keys.Order());
        foreach (var (name, tensor) in ours)
        {
            Assert.Equal(theirs[name].Shape, tensor.Shape);
            Assert.Equal(theirs[name].Type, tensor.Type);
            if (tensor.Type == OnnxType.Float)
            {
                var difference = Tolerance.AssertClose(theirs[name].AsFloats(), tensor.AsFloats(), RuntimeAgreement, $"{model.Graph.Name} {name}: binding vs node");
                log?.WriteLine($"{model.Graph.Name} {name}: max |binding − node| = {difference:E2}");
            }
            else
            {
                Assert.Equal(theirs[name].Data.Cast<object>(), tensor.Data.Cast<object>());
            }
        }
        return ours;
    }
}
