using Microsoft.ML.OnnxRuntime;
using Recurrent.Host.Service.Predictions;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer.Onnx;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>
/// Bad models and bad calls reach the caller with ONNX Runtime's own message (which starts with its error code) (and, through
/// <see cref="OnnxPredictor"/>, the file's name), and leave the process and the session usable.
/// </summary>
public sealed class OnnxRuntimeErrorTests(ITestOutputHelper log)
{
    [Fact]
    public void Truncated_model_bytes_are_an_invalid_protobuf()
    {
        var bytes = OnnxModelWriter.ToBytes(new SingleRecurrentOperator("LSTM", "forward", seed: 5).Model);

        var error = Assert.Throws<OnnxRuntimeException>(() => OrtSessions.Open(bytes[..(bytes.Length / 2)]));

        log.WriteLine(error.Message);
        Assert.StartsWith("[ErrorCode:InvalidProtobuf]", error.Message);
        Assert.Contains("protobuf", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_truncated_model_file_is_an_invalid_data_error_naming_the_file_with_onnx_runtimes_reason()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("truncated.onnx");
        var bytes = OnnxModelWriter.ToBytes(new SingleRecurrentOperator("GRU", "forward", seed: 5).Model);
        File.WriteAllBytes(path, bytes[..^7]);

        var error = Assert.Throws<InvalidDataException>(() => OnnxPredictor.Open(path));

        log.WriteLine(error.Message);
        Assert.StartsWith($"{path}: ONNX Runtime cannot load this model: ", error.Message);
        Assert.StartsWith("[ErrorCode:InvalidProtobuf]", Assert.IsType<OnnxRuntimeException>(error.InnerException).Message);
        Assert.Contains("Protobuf parsing failed", error.Message);
    }

    [Fact]
    public void A_missing_model_file_names_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.onnx");

        var error = Assert.Throws<InvalidDataException>(() => OnnxPredictor.Open(path));

        log.WriteLine(error.Message);
        Assert.StartsWith("[ErrorCode:NoSuchFile]", Assert.IsType<OnnxRuntimeException>(error.InnerException).Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void A_valid_model_without_our_metadata_is_refused_by_name()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("foreign.onnx");
        OnnxModelWriter.WriteFile(path, new SingleRecurrentOperator("RNN", "forward", seed: 9).Model);

        var error = Assert.Throws<InvalidDataException>(() => OnnxPredictor.Open(path));

        Assert.Equal($"{path}: the ONNX metadata has no 'recurrent.head'; was it exported by Recurrent?", error.Message);
    }

    [Fact]
    public void An_unknown_operator_is_named_in_the_error()
    {
        var g = new OnnxGraphBuilder("unknown_op");
        g.AddInput("x", OnnxType.Float, ["batch"]);
        g.AddNode("Frobnicate", ["x"], ["y"]);
        g.AddOutput("y", OnnxType.Float, ["batch"]);

        var error = Assert.Throws<OnnxRuntimeException>(() => OrtSessions.Open(OnnxModelWriter.ToBytes(new OnnxModel(g.Build()))));

        log.WriteLine(error.Message);
        Assert.StartsWith("[ErrorCode:", error.Message);
        Assert.Contains("Frobnicate", error.Message);
    }

    [Theory]
    [InlineData("X")]
    [InlineData("sequence_lens")]
    public void A_missing_input_is_named_in_the_error_and_the_session_still_runs(string missing)
    {
        var op = new SingleRecurrentOperator("RNN", "forward", seed: 6);
        using var session = OrtSessions.Open(OnnxModelWriter.ToBytes(op.Model));
        var inputs = op.Inputs;
        inputs.Remove(missing);

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run(inputs));

        log.WriteLine(error.Message);
        Assert.StartsWith("[ErrorCode:", error.Message);
        Assert.Contains(missing, error.Message);
        Assert.Equal(3, session.Run(op.Inputs)["Y_h"].Shape.Count);
    }

    [Fact]
    public void An_unknown_input_name_and_a_wrong_element_type_are_rejected()
    {
        var op = new SingleRecurrentOperator("RNN", "forward", seed: 7);
        using var session = OrtSessions.Open(OnnxModelWriter.ToBytes(op.Model));

        var unknown = op.Inputs;
        unknown["extra"] = TensorData.FromFloats([1], [0f]);
        var unknownError = Assert.Throws<OnnxRuntimeException>(() => session.Run(unknown));
        log.WriteLine(unknownError.Message);
        Assert.Contains("extra", unknownError.Message);

        var wrongType = op.Inputs;
        wrongType["sequence_lens"] = TensorData.FromInt64s([SingleRecurrentOperator.Batch], [1, 1, 1]);
        var typeError = Assert.Throws<OnnxRuntimeException>(() => session.Run(wrongType));
        log.WriteLine(typeError.Message);
        Assert.StartsWith("[ErrorCode:InvalidArgument]", typeError.Message);
    }

    [Fact]
    public void An_unknown_output_name_is_rejected()
    {
        var op = new SingleRecurrentOperator("RNN", "forward", seed: 8);
        using var session = OrtSessions.Open(OnnxModelWriter.ToBytes(op.Model));

        var error = Assert.Throws<OnnxRuntimeException>(() => session.Run(op.Inputs, ["nope"]));

        log.WriteLine(error.Message);
        Assert.Contains("nope", error.Message);
    }
}
