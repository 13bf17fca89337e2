using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer.Onnx;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>
/// Two stacked bidirectional layers, joined the way the exporter will join them: the first layer's Y
/// [sequence, 2, batch, hidden] becomes the next layer's X [sequence, batch, 2·hidden] by Transpose (0, 2, 1, 3)
/// and Reshape (0, 0, −1), the forward half first.
/// </summary>
public sealed class StackedLayerTests(ITestOutputHelper log)
{
    [Fact]
    public void Two_bidirectional_gru_layers_match_the_equations_applied_layer_by_layer()
    {
        const int features = 3, hidden = 4, batch = 3, sequence = 5;
        var random = new Random(31);
        float[] Weights(int count) => RandomTensors.Uniform(random, count, 0.5f);
        var (W1, R1, B1) = (Weights(2 * 3 * hidden * features), Weights(2 * 3 * hidden * hidden), Weights(2 * 6 * hidden));
        var (W2, R2, B2) = (Weights(2 * 3 * hidden * 2 * hidden), Weights(2 * 3 * hidden * hidden), Weights(2 * 6 * hidden));
        var x = RandomTensors.Uniform(random, sequence * batch * features, 1f);
        int[] lengths = [2, 5, 4];

        var g = new OnnxGraphBuilder("stacked_gru");
        g.AddInput("X", OnnxType.Float, ["sequence", "batch", features]);
        g.AddInput("lengths", OnnxType.Int32, ["batch"]);
        g.AddInitializer("layer_input_shape", [3], [0L, 0L, -1L]);
        var layerInput = "X";
        foreach (var (layer, W, R, B, inputSize) in new[] { (0, W1, R1, B1, features), (1, W2, R2, B2, 2 * hidden) })
        {
            g.AddInitializer($"W{layer}", [2, 3 * hidden, inputSize], W);
            g.AddInitializer($"R{layer}", [2, 3 * hidden, hidden], R);
            g.AddInitializer($"B{layer}", [2, 6 * hidden], B);
            g.AddNode("GRU", [layerInput, $"W{layer}", $"R{layer}", $"B{layer}", "lengths"], [$"Y{layer}", $"Y_h{layer}"],
                OnnxAttribute.Int("hidden_size", hidden), OnnxAttribute.String("direction", "bidirectional"),
                OnnxAttribute.Int("linear_before_reset", 1));
            g.AddNode("Transpose", [$"Y{layer}"], [$"Y{layer}_by_batch"], OnnxAttribute.Ints("perm", 0, 2, 1, 3));
            g.AddNode("Reshape", [$"Y{layer}_by_batch", "layer_input_shape"], [$"H{layer}"]);
            layerInput = $"H{layer}";
        }
        g.AddOutput("H1", OnnxType.Float, ["sequence", "batch", 2 * hidden]);
        g.AddOutput("Y_h1", OnnxType.Float, [2, "batch", hidden]);

        var outputs = PeerRun.CheckAndRun(new OnnxModel(g.Build()), new Dictionary<string, TensorData>
        {
            ["X"] = TensorData.FromFloats([sequence, batch, features], x),
            ["lengths"] = TensorData.FromInt32s([batch], lengths),
        }, log);

        var first = new RecurrentReference(features, hidden, W1, R1, B1).Gru(x, sequence, batch, lengths, "bidirectional", true);
        // The second layer reads float activations in ONNX Runtime too.
        var between = ConcatenateDirections(first.Y, sequence, batch, hidden).Select(v => (float)v).ToArray();
        var second = new RecurrentReference(2 * hidden, hidden, W2, R2, B2).Gru(between, sequence, batch, lengths, "bidirectional", true);
        var hiddenDifference = Tolerance.AssertClose(ConcatenateDirections(second.Y, sequence, batch, hidden),
            outputs["H1"].AsFloats(), 1e-5, "stacked H1");
        var stateDifference = Tolerance.AssertClose(second.Y_h, outputs["Y_h1"].AsFloats(), 1e-5, "stacked Y_h1");
        log.WriteLine($"stacked GRU: max |ONNX Runtime − equations| = {Math.Max(hiddenDifference, stateDifference):E2}");
    }

    // [sequence, 2, batch, hidden] → [sequence, batch, 2·hidden], forward direction first.
    private static double[] ConcatenateDirections(double[] y, int sequence, int batch, int hidden)
    {
        var result = new double[sequence * batch * 2 * hidden];
        for (var t = 0; t < sequence; t++)
        {
            for (var d = 0; d < 2; d++)
            {
                for (var b = 0; b < batch; b++)
                {
                    for (var j = 0; j < hidden; j++)
                        result[((t * batch + b) * 2 + d) * hidden + j] = y[((t * 2 + d) * batch + b) * hidden + j];
                }
            }
        }
        return result;
    }
}
