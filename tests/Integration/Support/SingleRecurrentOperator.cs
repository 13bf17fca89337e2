using Recurrent.Trainer.Onnx;

namespace Recurrent.Integration.Tests.Support;

/// <summary>
/// A graph of one RNN, LSTM or GRU node in layout 0 with random weights: X [sequence, batch, input] and
/// sequence_lens [batch] in; Y, Y_h (and Y_c for LSTM) out; initial states omitted.
/// </summary>
internal sealed class SingleRecurrentOperator
{
    public const int Sequence = 5, Batch = 3, InputSize = 4, Hidden = 6;

    /// <summary>One short, one full and one middling sequence, so masking and the final-state pick both show.</summary>
    public static readonly int[] Lengths = [3, 5, 1];

    public SingleRecurrentOperator(string opType, string direction, int seed, params OnnxAttribute[] extraAttributes)
    {
        var gates = opType switch { "LSTM" => 4, "GRU" => 3, _ => 1 };
        var directions = direction == "bidirectional" ? 2 : 1;
        var random = new Random(seed);
        W = RandomTensors.Uniform(random, directions * gates * Hidden * InputSize, 0.5f);
        R = RandomTensors.Uniform(random, directions * gates * Hidden * Hidden, 0.5f);
        B = RandomTensors.Uniform(random, directions * 2 * gates * Hidden, 0.5f);
        X = RandomTensors.Uniform(random, Sequence * Batch * InputSize, 1f);
        Reference = new RecurrentReference(InputSize, Hidden, W, R, B);

        var g = new OnnxGraphBuilder($"{opType.ToLowerInvariant()}_{direction}");
        g.AddInput("X", OnnxType.Float, ["sequence", "batch", InputSize]);
        g.AddInput("sequence_lens", OnnxType.Int32, ["batch"]);
        g.AddInitializer("W", [directions, gates * Hidden, InputSize], W);
        g.AddInitializer("R", [directions, gates * Hidden, Hidden], R);
        g.AddInitializer("B", [directions, 2 * gates * Hidden], B);
        List<string> outputs = opType == "LSTM" ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
        g.AddNode(opType, ["X", "W", "R", "B", "sequence_lens"], outputs,
            [OnnxAttribute.Int("hidden_size", Hidden), OnnxAttribute.String("direction", direction), .. extraAttributes]);
        g.AddOutput("Y", OnnxType.Float, ["sequence", directions, "batch", Hidden]);
        foreach (var state in outputs.Skip(1))
            g.AddOutput(state, OnnxType.Float, [directions, "batch", Hidden]);
        Model = new OnnxModel(g.Build());
    }

    public float[] W { get; }

    public float[] R { get; }

    public float[] B { get; }

    public float[] X { get; }

    public RecurrentReference Reference { get; }

    public OnnxModel Model { get; }

    public Dictionary<string, TensorData> Inputs => new()
    {
        ["X"] = TensorData.FromFloats([Sequence, Batch, InputSize], X),
        ["sequence_lens"] = TensorData.FromInt32s([Batch], Lengths),
    };
}
