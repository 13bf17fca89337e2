using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// One recurrent layer with skip gates (Campos et al.'s Skip RNN) in standard operators: per direction a
/// <c>Loop</c> over the steps whose body runs the ordinary RNN/LSTM/GRU operator for one step from the carried state
/// (the candidate S̃_t), chooses it or the previous state by u_t = [ũ_t &gt; ½] (<c>Where</c>), and updates ũ from
/// Δũ_t = σ(W_p s_t + b_p). Its outputs are the standard operator's: <c>{prefix}_Y</c> [T, directions, B, H] (zero
/// past each length) and <c>{prefix}_Y_h</c> [directions, B, H], so stacking, dilation, the heads and
/// <see cref="OnnxModelReader"/> treat it as any layer. W, R and B are the standard operator's stacked initializers;
/// W_p and b_p are <c>{prefix}_W_p</c> [directions, S] and <c>{prefix}_b_p</c> [directions].
/// </summary>
/// <remarks>
/// A graph has no cheaper branch per row, so ONNX Runtime computes every step's candidate; the managed engine's
/// inference is the one that skips the work.
/// </remarks>
internal static class SkipRecurrentOperator
{
    public static void Add(OnnxGraphBuilder g, NetworkShape shape, IReadOnlyList<RecurrentDirection> directions,
        string prefix, string input, string lengths)
    {
        int hidden = shape.Hidden, count = directions.Count, gates = directions[0].Cell.GateCount;
        var lstm = shape.Cell == RecurrentCellKind.Lstm;
        var gatesOf = directions.Select(d => d.SkipGate ?? throw new InvalidOperationException(
            $"Layer '{prefix}' has no skip gate.")).ToArray();
        string Name(string part) => $"{prefix}_skip_{part}";

        g.AddInitializer($"{prefix}_W", [count, gates * hidden, directions[0].InputSize],
            directions.SelectMany(d => d.InputWeights.Value).ToArray());
        g.AddInitializer($"{prefix}_R", [count, gates * hidden, hidden], directions.SelectMany(d => d.RecurrentWeights.Value).ToArray());
        g.AddInitializer($"{prefix}_B", [count, 2 * gates * hidden], directions.SelectMany(d =>
            (d.InputBias?.Value ?? new float[gates * hidden]).Concat(d.RecurrentBias?.Value ?? new float[gates * hidden])).ToArray());
        g.AddInitializer($"{prefix}_W_p", [count, shape.SkipStateWidth], gatesOf.SelectMany(p => p.Weights.Value).ToArray());
        g.AddInitializer($"{prefix}_b_p", [count], gatesOf.Select(p => p.Bias.Value[0]).ToArray());

        // The trip count T, the batch's zero state and ũ = 1, and the lengths as [B, 1] to compare with t.
        g.AddInitializer(Name("at0"), [], [0L]);
        g.AddInitializer(Name("one_i64"), [], [1L]);
        g.AddInitializer(Name("axis0"), [1], [0L]);
        g.AddInitializer(Name("axis1"), [1], [1L]);
        g.AddInitializer(Name("from1"), [1], [1L]);
        g.AddInitializer(Name("to2"), [1], [2L]);
        g.AddInitializer(Name("hidden"), [1], [(long)hidden]);
        g.AddInitializer(Name("half"), [1], [0.5f]);
        g.AddInitializer(Name("one"), [1], [1f]);
        g.AddInitializer(Name("zero"), [1], [0f]);
        g.AddNode("Shape", [input], [Name("input_shape")]);
        g.AddNode("Gather", [Name("input_shape"), Name("at0")], [Name("T")], OnnxAttribute.Int("axis", 0));
        g.AddNode("Sub", [Name("T"), Name("one_i64")], [Name("T_minus_1")]);
        g.AddNode("Slice", [Name("input_shape"), Name("from1"), Name("to2")], [Name("batch")]);
        g.AddNode("Concat", [Name("batch"), Name("hidden")], [Name("state_shape")], OnnxAttribute.Int("axis", 0));
        g.AddNode("Concat", [Name("batch"), Name("from1")], [Name("gate_shape")], OnnxAttribute.Int("axis", 0));
        g.AddNode("ConstantOfShape", [Name("state_shape")], [Name("zero_state")],
            OnnxAttribute.Tensor("value", OnnxTensor.FromFloats("value", [1], [0f])));
        g.AddNode("ConstantOfShape", [Name("gate_shape")], [Name("first_u")],
            OnnxAttribute.Tensor("value", OnnxTensor.FromFloats("value", [1], [1f])));
        g.AddNode("Cast", [lengths], [Name("lens_i64")], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        g.AddNode("Unsqueeze", [Name("lens_i64"), Name("axis1")], [Name("lens")]);

        var ys = new List<string>();
        var finals = new List<string>();
        for (var d = 0; d < count; d++)
        {
            var (y, final) = AddDirection(g, shape, prefix, input, d, reverse: directions[d].Reverse, lstm, Name);
            g.AddNode("Unsqueeze", [y, Name("axis1")], [Name($"d{d}_Y4")]);
            g.AddNode("Unsqueeze", [final, Name("axis0")], [Name($"d{d}_h3")]);
            ys.Add(Name($"d{d}_Y4"));
            finals.Add(Name($"d{d}_h3"));
        }
        g.AddNode("Concat", ys, [$"{prefix}_Y"], OnnxAttribute.Int("axis", 1));
        g.AddNode("Concat", finals, [$"{prefix}_Y_h"], OnnxAttribute.Int("axis", 0));
    }

    // The Loop of one direction; returns its outputs [T, B, H] in time order and the final state [B, H].
    private static (string Y, string Final) AddDirection(OnnxGraphBuilder g, NetworkShape shape, string prefix,
        string input, int d, bool reverse, bool lstm, Func<string, string> name)
    {
        string Outer(string part) => name($"d{d}_{part}");
        g.AddInitializer(Outer("index"), [1], [(long)d]);
        foreach (var part in new[] { "W", "R", "B" })
            g.AddNode("Gather", [$"{prefix}_{part}", Outer("index")], [Outer(part)], OnnxAttribute.Int("axis", 0));
        g.AddNode("Gather", [$"{prefix}_W_p", Outer("index")], [Outer("W_p_row")], OnnxAttribute.Int("axis", 0));
        g.AddNode("Transpose", [Outer("W_p_row")], [Outer("W_p")], OnnxAttribute.Ints("perm", 1, 0));
        g.AddNode("Gather", [$"{prefix}_b_p", Outer("index")], [Outer("b_p")], OnnxAttribute.Int("axis", 0));

        var body = Body(shape, input, reverse, lstm, Outer, name);
        IReadOnlyList<string> inputs = lstm
            ? [name("T"), "", name("zero_state"), name("zero_state"), name("first_u")]
            : [name("T"), "", name("zero_state"), name("first_u")];
        IReadOnlyList<string> outputs = lstm
            ? [Outer("h_final"), Outer("c_final"), Outer("u_final"), Outer("Y_steps")]
            : [Outer("h_final"), Outer("u_final"), Outer("Y_steps")];
        g.AddNode("Loop", inputs, outputs, OnnxAttribute.Graph("body", body));
        if (!reverse)
            return (Outer("Y_steps"), Outer("h_final"));
        // The reverse direction's steps come out last step first: reversed along time.
        g.AddInitializer(Outer("last"), [1], [-1L]);
        g.AddInitializer(Outer("before_first"), [1], [long.MinValue]);
        g.AddInitializer(Outer("backwards"), [1], [-1L]);
        g.AddNode("Slice", [Outer("Y_steps"), Outer("last"), Outer("before_first"), name("axis0"), Outer("backwards")],
            [Outer("Y")]);
        return (Outer("Y"), Outer("h_final"));
    }

    // One step: t = i (or T − 1 − i), the cell's candidate from the carried state, the choice, Δũ and ũ's update.
    private static OnnxGraph Body(NetworkShape shape, string input, bool reverse, bool lstm, Func<string, string> outer,
        Func<string, string> layer)
    {
        string B(string part) => outer($"body_{part}");
        var body = new OnnxGraphBuilder(outer("body"));
        body.AddInput(B("i"), OnnxType.Int64, []);
        body.AddInput(B("cond"), OnnxType.Bool, []);
        body.AddInput(B("h_prev"), OnnxType.Float, ["batch", shape.Hidden]);
        if (lstm)
            body.AddInput(B("c_prev"), OnnxType.Float, ["batch", shape.Hidden]);
        body.AddInput(B("u_prev"), OnnxType.Float, ["batch", 1]);

        var t = B("i");
        if (reverse)
        {
            body.AddNode("Sub", [layer("T_minus_1"), B("i")], [B("t")]);
            t = B("t");
        }
        body.AddNode("Gather", [input, t], [B("x")], OnnxAttribute.Int("axis", 0));
        body.AddNode("Unsqueeze", [B("x"), layer("axis0")], [B("x3")]);
        body.AddNode("Unsqueeze", [B("h_prev"), layer("axis0")], [B("h3")]);
        var op = shape.Cell switch { RecurrentCellKind.Lstm => "LSTM", RecurrentCellKind.Gru => "GRU", _ => "RNN" };
        var attributes = new List<OnnxAttribute> { OnnxAttribute.Int("hidden_size", shape.Hidden) };
        if (shape.Cell == RecurrentCellKind.Rnn)
            attributes.Add(OnnxAttribute.Strings("activations",
                shape.Activation switch { RecurrentActivation.Relu => "Relu", RecurrentActivation.Sigmoid => "Sigmoid", _ => "Tanh" }));
        if (shape.Cell == RecurrentCellKind.Gru)
            attributes.Add(OnnxAttribute.Int("linear_before_reset", shape.GruLinearBeforeReset ? 1 : 0));
        if (lstm)
        {
            body.AddNode("Unsqueeze", [B("c_prev"), layer("axis0")], [B("c3")]);
            body.AddNode(op, [B("x3"), outer("W"), outer("R"), outer("B"), "", B("h3"), B("c3")], ["", B("h_cand3"), B("c_cand3")],
                attributes);
            body.AddNode("Squeeze", [B("c_cand3"), layer("axis0")], [B("c_cand")]);
        }
        else
        {
            body.AddNode(op, [B("x3"), outer("W"), outer("R"), outer("B"), "", B("h3")], ["", B("h_cand3")], attributes);
        }
        body.AddNode("Squeeze", [B("h_cand3"), layer("axis0")], [B("h_cand")]);

        // u_t = [ũ_t > ½] on a valid step; past a sequence's length the state and ũ are carried as they are.
        body.AddNode("Less", [t, layer("lens")], [B("valid")]);
        body.AddNode("Greater", [B("u_prev"), layer("half")], [B("round")]);
        body.AddNode("And", [B("round"), B("valid")], [B("update")]);
        body.AddNode("Where", [B("update"), B("h_cand"), B("h_prev")], [B("h")]);
        var state = B("h");
        if (lstm)
        {
            body.AddNode("Where", [B("update"), B("c_cand"), B("c_prev")], [B("c")]);
            body.AddNode("Concat", [B("h"), B("c")], [B("s")], OnnxAttribute.Int("axis", 1));
            state = B("s");
        }

        // Δũ_t = σ(W_p s_t + b_p); ũ_{t+1} = Δũ_t after an update, ũ_t + min(Δũ_t, 1 − ũ_t) after a skip.
        body.AddNode("MatMul", [state, outer("W_p")], [B("a_linear")]);
        body.AddNode("Add", [B("a_linear"), outer("b_p")], [B("a")]);
        body.AddNode("Sigmoid", [B("a")], [B("increment")]);
        body.AddNode("Sub", [layer("one"), B("u_prev")], [B("room")]);
        body.AddNode("Min", [B("increment"), B("room")], [B("grow")]);
        body.AddNode("Add", [B("u_prev"), B("grow")], [B("accumulated")]);
        body.AddNode("Where", [B("round"), B("increment"), B("accumulated")], [B("u_chosen")]);
        body.AddNode("Where", [B("valid"), B("u_chosen"), B("u_prev")], [B("u_next")]);
        body.AddNode("Where", [B("valid"), B("h"), layer("zero")], [B("y")]);
        body.AddNode("Identity", [B("cond")], [B("cond_out")]);

        body.AddOutput(B("cond_out"), OnnxType.Bool, []);
        body.AddOutput(B("h"), OnnxType.Float, ["batch", shape.Hidden]);
        if (lstm)
            body.AddOutput(B("c"), OnnxType.Float, ["batch", shape.Hidden]);
        body.AddOutput(B("u_next"), OnnxType.Float, ["batch", 1]);
        body.AddOutput(B("y"), OnnxType.Float, ["batch", shape.Hidden]);
        return body.Build([input, layer("T_minus_1"), layer("axis0"), layer("lens"), layer("half"), layer("one"),
            layer("zero"), outer("W"), outer("R"), outer("B"), outer("W_p"), outer("b_p")]);
    }
}
