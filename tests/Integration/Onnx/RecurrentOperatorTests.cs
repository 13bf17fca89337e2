using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer.Onnx;
using Xunit.Abstractions;
using static Recurrent.Integration.Tests.Support.SingleRecurrentOperator;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>
/// Single RNN, LSTM and GRU nodes written by our builder: accepted by the onnx checker, run by ONNX Runtime
/// through Microsoft.ML.OnnxRuntime and through onnxruntime-node (agreeing within 1e-6), and equal within 1e-5 to the
/// operators' equations evaluated in double precision.
/// </summary>
public sealed class RecurrentOperatorTests(ITestOutputHelper log)
{
    private const double EquationTolerance = 1e-5;

    [Theory]
    [InlineData("forward")]
    [InlineData("reverse")]
    [InlineData("bidirectional")]
    public void Lstm_matches_its_equations(string direction)
    {
        var op = new SingleRecurrentOperator("LSTM", direction, seed: 1);
        var outputs = PeerRun.CheckAndRun(op.Model, op.Inputs, log);

        var expected = op.Reference.Lstm(op.X, Sequence, Batch, Lengths, direction);
        AssertMatches(expected.Y, outputs["Y"].AsFloats(), $"LSTM {direction} Y");
        AssertMatches(expected.Y_h, outputs["Y_h"].AsFloats(), $"LSTM {direction} Y_h");
        AssertMatches(expected.Y_c!, outputs["Y_c"].AsFloats(), $"LSTM {direction} Y_c");
    }

    [Theory]
    [InlineData("forward", 1)]
    [InlineData("bidirectional", 1)]
    [InlineData("forward", 0)]
    public void Gru_matches_its_equations(string direction, int linearBeforeReset)
    {
        var op = new SingleRecurrentOperator("GRU", direction, seed: 2, OnnxAttribute.Int("linear_before_reset", linearBeforeReset));
        var outputs = PeerRun.CheckAndRun(op.Model, op.Inputs, log);

        var expected = op.Reference.Gru(op.X, Sequence, Batch, Lengths, direction, linearBeforeReset == 1);
        AssertMatches(expected.Y, outputs["Y"].AsFloats(), $"GRU {direction} lbr={linearBeforeReset} Y");
        AssertMatches(expected.Y_h, outputs["Y_h"].AsFloats(), $"GRU {direction} lbr={linearBeforeReset} Y_h");
    }

    [Fact]
    public void Rnn_with_relu_matches_its_equations()
    {
        var op = new SingleRecurrentOperator("RNN", "forward", seed: 3, OnnxAttribute.Strings("activations", "Relu"));
        var outputs = PeerRun.CheckAndRun(op.Model, op.Inputs, log);

        var expected = op.Reference.Rnn(op.X, Sequence, Batch, Lengths, "forward", [v => Math.Max(0, v)]);
        AssertMatches(expected.Y, outputs["Y"].AsFloats(), "RNN Relu Y");
        AssertMatches(expected.Y_h, outputs["Y_h"].AsFloats(), "RNN Relu Y_h");
    }

    [Fact]
    public void Rnn_reverse_with_leaky_relu_takes_its_alpha_from_a_floats_attribute()
    {
        var op = new SingleRecurrentOperator("RNN", "reverse", seed: 4,
            OnnxAttribute.Strings("activations", "LeakyRelu"), OnnxAttribute.Floats("activation_alpha", 0.1f));
        var outputs = PeerRun.CheckAndRun(op.Model, op.Inputs, log);

        var expected = op.Reference.Rnn(op.X, Sequence, Batch, Lengths, "reverse", [v => v >= 0 ? v : 0.1f * v]);
        AssertMatches(expected.Y, outputs["Y"].AsFloats(), "RNN LeakyRelu Y");
        AssertMatches(expected.Y_h, outputs["Y_h"].AsFloats(), "RNN LeakyRelu Y_h");
    }

    private void AssertMatches(double[] expected, float[] actual, string what)
    {
        var difference = Tolerance.AssertClose(expected, actual, EquationTolerance, what);
        log.WriteLine($"{what}: max |ONNX Runtime − equations| = {difference:E2}");
    }
}
