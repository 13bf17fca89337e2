using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// One step of a per-step model (a language model) as an ONNX graph that carries its state through its inputs and
/// outputs, so ONNX Runtime users can sample token by token without running the prefix again: feed a token and the
/// state, read the next token's distribution and the new state, and feed both back. Each layer is the standard
/// RNN/LSTM/GRU operator over a sequence of one step, started from <c>initial_h</c> (and <c>initial_c</c>).
/// </summary>
/// <remarks>
/// Inputs: <c>input</c> (int64 [batch] token ids, or float [batch, features]) and <c>state_h</c> float
/// [layers, batch, hidden] (zeros to start), and for the LSTM <c>state_c</c> likewise. Outputs: <c>logits</c>
/// [batch, outputs] and <c>probabilities</c> [batch, classes] (or <c>value</c> [batch, 1]), and the state after the
/// step, <c>state_h_out</c> (and <c>state_c_out</c>). One direction and no dilation: a bidirectional layer reads
/// the future, and a dilated one would need its last d states.
/// </remarks>
public static class StepOnnxExport
{
    /// <summary>The state input [layers, batch, hidden]: h of every layer before the step.</summary>
    public const string StateInput = "state_h";

    /// <summary>The LSTM's cell input [layers, batch, hidden].</summary>
    public const string CellInput = "state_c";

    /// <summary>h of every layer after the step, [layers, batch, hidden].</summary>
    public const string StateOutput = "state_h_out";

    /// <summary>The LSTM's cells after the step, [layers, batch, hidden].</summary>
    public const string CellOutput = "state_c_out";

    /// <summary>The single-step graph of a per-step, one-directional, undilated model.</summary>
    internal static OnnxModel Build(SequenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var network = model.Network;
        var shape = network.Shape;
        if (!shape.PerStep)
            throw new InvalidOperationException("Only a per-step model (a language model, a tagger) runs one step at a time.");
        if (shape.Bidirectional)
            throw new InvalidOperationException("A bidirectional model reads the future and has no single step.");
        if (Enumerable.Range(0, shape.Layers).Any(l => shape.DilationOf(l) > 1))
            throw new InvalidOperationException("A dilated layer reads the state d steps back; its single step is not exported.");
        if (shape.SkipUpdates)
            throw new InvalidOperationException(
                "A model with skip gates carries its update probability ũ as state as well; its single step is not exported.");
        int layers = shape.Layers, hidden = shape.Hidden;
        var lstm = shape.Cell == RecurrentCellKind.Lstm;
        var g = new OnnxGraphBuilder("recurrent_step")
        {
            DocString = "One step of a recurrent model: a token (or a step's features) and the state in; the next outputs and the state out.",
        };
        g.AddInitializer("axis0", [1], [0L]);
        string x;
        if (network.Embedding is { } embedding)
        {
            g.AddInput(SequenceModelOnnxExport.Input, OnnxType.Int64, ["batch"]);
            g.AddInitializer("embedding", [shape.VocabularySize, shape.InputWidth], embedding.Value);
            g.AddNode("Gather", ["embedding", SequenceModelOnnxExport.Input], ["embedded"], OnnxAttribute.Int("axis", 0));
            x = "embedded";
        }
        else
        {
            g.AddInput(SequenceModelOnnxExport.Input, OnnxType.Float, ["batch", shape.InputWidth]);
            x = SequenceModelOnnxExport.Input;
        }
        // [batch, width] → [1, batch, width]: a time-major sequence of one step.
        g.AddNode("Unsqueeze", [x, "axis0"], ["layer0_input"]);
        g.AddInput(StateInput, OnnxType.Float, [layers, "batch", hidden]);
        if (lstm)
            g.AddInput(CellInput, OnnxType.Float, [layers, "batch", hidden]);
        var input = "layer0_input";
        var states = new List<string>();
        var cells = new List<string>();
        for (var l = 0; l < layers; l++)
        {
            var prefix = $"layer{l}";
            g.AddInitializer($"{prefix}_from", [1], [(long)l]);
            g.AddInitializer($"{prefix}_to", [1], [(long)l + 1]);
            g.AddNode("Slice", [StateInput, $"{prefix}_from", $"{prefix}_to", "axis0"], [$"{prefix}_h0"]);
            if (lstm)
                g.AddNode("Slice", [CellInput, $"{prefix}_from", $"{prefix}_to", "axis0"], [$"{prefix}_c0"]);
            SequenceModelOnnxExport.AddRecurrentOperator(g, shape, network.Layers[l], prefix, input, lengths: "",
                initialState: $"{prefix}_h0", initialCell: lstm ? $"{prefix}_c0" : null);
            // Y_h [1, batch, H] is both this layer's state and, as a sequence of one step, the next layer's input.
            input = $"{prefix}_Y_h";
            states.Add($"{prefix}_Y_h");
            if (lstm)
                cells.Add($"{prefix}_Y_c");
        }
        g.AddNode("Concat", states, [StateOutput], OnnxAttribute.Int("axis", 0));
        g.AddOutput(StateOutput, OnnxType.Float, [layers, "batch", hidden]);
        if (lstm)
        {
            g.AddNode("Concat", cells, [CellOutput], OnnxAttribute.Int("axis", 0));
            g.AddOutput(CellOutput, OnnxType.Float, [layers, "batch", hidden]);
        }
        g.AddNode("Squeeze", [input, "axis0"], ["features"]);
        var logits = model.Head == HeadKind.Regression ? "value" : "logits";
        PerStepOnnxHead.AddLinear(g, network.Head, "features", logits);
        g.AddOutput(logits, OnnxType.Float, ["batch", network.Head.Outputs]);
        PerStepOnnxHead.AddProbabilities(g, model, logits, ["batch"]);
        return SequenceModelOnnxExport.Finish(g, model, StandardOnnxBoundary.Instance, new KeyValuePair<string, string>("recurrent.step",
            $"input: {(model.InputKind == InputKind.Tokens ? "int64 token ids [batch]" : "float [batch, features]")}; " +
            $"{StateInput}{(lstm ? $" and {CellInput}" : "")}: float [{layers}, batch, {hidden}], zeros before the first step; " +
            $"feed {StateOutput}{(lstm ? $" and {CellOutput}" : "")} back with the next input"));
    }
}
