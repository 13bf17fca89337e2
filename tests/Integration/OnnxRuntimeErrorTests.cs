using Recurrent.Host.OnnxRuntime;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer.Onnx;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests;

/// <summary>
/// Bad models and bad calls reach the caller as <see cref="OnnxRuntimeException"/>s carrying ONNX Runtime's own
/// message and error code, and leave the process (and the session) usable.
/// </summary>
[Collection(OnnxRuntimeCollection.Name)]
public sealed class OnnxRuntimeErrorTests(OnnxRuntimeFixture fixture, ITestOutputHelper log)
{
    private OnnxRuntimeEnvironment Environment => fixture.Environment;

    [Fact]
    public void Truncated_model_bytes_are_an_invalid_protobuf()
    {
        var bytes = OnnxModelWriter.ToBytes(new SingleRecurrentOperator("LSTM", "forward", seed: 5).Model);

        var error = Assert.Throws<OnnxRuntimeException>(() => Environment.OpenSession(bytes[..(bytes.Length / 2)]));

        log.WriteLine(error.Message);
        Assert.Equal(OnnxRuntimeErrorCode.InvalidProtobuf, error.ErrorCode);
        Assert.Contains("protobuf", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_truncated_model_file_is_an_invalid_protobuf()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("truncated.onnx");
        var bytes = OnnxModelWriter.ToBytes(new SingleRecurrentOperator("GRU", "forward", seed: 5).Model);
        File.WriteAllBytes(path, bytes[..^7]);

        var error = Assert.Throws<OnnxRuntimeException>(() => Environment.OpenSession(path));

        log.WriteLine(error.Message);
        Assert.Equal(OnnxRuntimeErrorCode.InvalidProtobuf, error.ErrorCode);
    }

    [Fact]
    public void A_missing_model_file_names_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.onnx");

        var error = Assert.Throws<OnnxRuntimeException>(() => Environment.OpenSession(path));

        log.WriteLine(error.Message);
        Assert.Equal(OnnxRuntimeErrorCode.NoSuchFile, error.ErrorCode);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void An_unknown_operator_is_named_in_the_error()
    {
        var g = new OnnxGraphBuilder("unknown_op");
        g.AddInput("x", OnnxType.Float, ["batch"]);
        g.AddNode("Frobnicate", ["x"], ["y"]);
        g.AddOutput("y", OnnxType.Float, ["batch"]);

        var error = Assert.Throws<OnnxRuntimeException>(() => Environment.OpenSession(OnnxModelWriter.ToBytes(new OnnxModel(g.Build()))));

        log.WriteLine(error.Message);
        Assert.NotNull(error.ErrorCode);
        Assert.Contains("Frobnicate", error.Message);
    }

    // ONNX Runtime 1.30 does not check feeds against the graph's inputs up front: the missing value is found
    // by the kernel that reads it, reported with the generic code Fail and "Missing Input: <name>".
    [Theory]
    [InlineData("X")]
    [InlineData("sequence_lens")]
    public void A_missing_input_is_named_in_the_error_and_the_session_still_runs(string missing)
    {
        var op = new SingleRecurrentOperator("RNN", "forward", seed: 6);
        using var session = Environment.OpenSession(OnnxModelWriter.ToBytes(op.Model));
        var inputs = op.Inputs;
        inputs.Remove(missing);

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run(inputs));

        log.WriteLine($"{error.ErrorCode}: {error.Message}");
        Assert.NotNull(error.ErrorCode);
        Assert.Contains($"Missing Input: {missing}", error.Message);
        Assert.Equal(3, session.Run(op.Inputs)["Y_h"].Shape.Count);
    }

    [Fact]
    public void An_unknown_input_name_and_a_wrong_element_type_are_rejected()
    {
        var op = new SingleRecurrentOperator("RNN", "forward", seed: 7);
        using var session = Environment.OpenSession(OnnxModelWriter.ToBytes(op.Model));

        var unknown = op.Inputs;
        unknown["extra"] = OnnxRuntimeTensor.FromFloats([1], [0f]);
        var unknownError = Assert.Throws<OnnxRuntimeException>(() => session.Run(unknown));
        log.WriteLine(unknownError.Message);
        Assert.Contains("extra", unknownError.Message);

        var wrongType = op.Inputs;
        wrongType["sequence_lens"] = OnnxRuntimeTensor.FromInt64s([SingleRecurrentOperator.Batch], [1, 1, 1]);
        var typeError = Assert.Throws<OnnxRuntimeException>(() => session.Run(wrongType));
        log.WriteLine(typeError.Message);
        Assert.Equal(OnnxRuntimeErrorCode.InvalidArgument, typeError.ErrorCode);
    }

    [Fact]
    public void An_unknown_output_name_is_rejected()
    {
        var op = new SingleRecurrentOperator("RNN", "forward", seed: 8);
        using var session = Environment.OpenSession(OnnxModelWriter.ToBytes(op.Model));

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run(op.Inputs, ["nope"]));

        log.WriteLine(error.Message);
        Assert.Contains("nope", error.Message);
    }
}
