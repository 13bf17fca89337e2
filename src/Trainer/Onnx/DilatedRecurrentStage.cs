using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Onnx;

/// <summary>
/// One recurrent layer of dilation d > 1 in standard operators. The layer is d interleaved sequences of ⌈T/d⌉
/// steps, so the time-major input [T, B, I] is padded to a multiple of d steps and reshaped to [⌈T/d⌉, d·B, I]
/// (row k·B + b is step τ·d + k of sequence b, the engine's own layout), the ordinary RNN/LSTM/GRU operator runs
/// over it with each sub-sequence's length ⌈max(0, len_b − k)/d⌉, and its outputs are reshaped back.
/// </summary>
internal static class DilatedRecurrentStage
{
    /// <summary>
    /// Adds the layer reading <paramref name="input"/> [T, B, I]. Writes <paramref name="output"/> [T, B, nd·H]
    /// for a next layer when given, and <paramref name="features"/> [B, nd·H] (the forward state at each sequence's
    /// last step, then the reverse state at step 0) when given.
    /// </summary>
    public static void Add(OnnxGraphBuilder g, NetworkShape shape, IReadOnlyList<RecurrentDirection> directions,
        string prefix, string input, string? output, string? features)
    {
        var first = directions[0];
        int d = first.Dilation, hidden = shape.Hidden, count = directions.Count, width = first.InputSize;
        string Name(string part) => $"{prefix}_{part}";
        long[] Of(params long[] values) => values;

        g.AddInitializer(Name("d"), [1], Of(d));
        g.AddInitializer(Name("at0"), [1], Of(0));
        g.AddInitializer(Name("at1"), [1], Of(1));
        g.AddInitializer(Name("at2"), [1], Of(2));
        g.AddInitializer(Name("minus1"), [1], Of(-1));
        g.AddNode("Shape", [input], [Name("input_shape")]);
        g.AddNode("Slice", [Name("input_shape"), Name("at0"), Name("at1")], [Name("T")]);
        g.AddNode("Slice", [Name("input_shape"), Name("at1"), Name("at2")], [Name("batch")]);

        // Pad T up to a multiple of d: (d − T mod d) mod d zero steps at the end.
        g.AddNode("Mod", [Name("T"), Name("d")], [Name("T_mod_d")]);
        g.AddNode("Sub", [Name("d"), Name("T_mod_d")], [Name("d_minus")]);
        g.AddNode("Mod", [Name("d_minus"), Name("d")], [Name("pad_steps")]);
        g.AddInitializer(Name("pads_before"), [3], Of(0, 0, 0));
        g.AddInitializer(Name("pads_after_rest"), [2], Of(0, 0));
        g.AddNode("Concat", [Name("pads_before"), Name("pad_steps"), Name("pads_after_rest")], [Name("pads")],
            OnnxAttribute.Int("axis", 0));
        g.AddNode("Pad", [input, Name("pads")], [Name("padded")]);

        // [⌈T/d⌉·d, B, I] → [⌈T/d⌉, d·B, I]: a reshape, the rows already interleave as the engine's.
        g.AddNode("Mul", [Name("batch"), Name("d")], [Name("sub_batch")]);
        g.AddInitializer(Name("width"), [1], Of(width));
        g.AddNode("Concat", [Name("minus1"), Name("sub_batch"), Name("width")], [Name("sub_shape")], OnnxAttribute.Int("axis", 0));
        g.AddNode("Reshape", [Name("padded"), Name("sub_shape")], [Name("sub_input")]);

        // Sub-sequence lengths ⌈max(0, len_b − k)/d⌉ for k = 0..d−1, flattened k-major to [d·B].
        g.AddInitializer(Name("residues"), [d, 1], Enumerable.Range(0, d).ToArray());
        g.AddInitializer(Name("zero_i32"), [1], [0]);
        g.AddInitializer(Name("d_minus_1_i32"), [1], [d - 1]);
        g.AddInitializer(Name("d_i32"), [1], [d]);
        g.AddNode("Sub", [SequenceModelOnnxExport.Lengths, Name("residues")], [Name("lens_after_k")]);
        g.AddNode("Max", [Name("lens_after_k"), Name("zero_i32")], [Name("lens_nonnegative")]);
        g.AddNode("Add", [Name("lens_nonnegative"), Name("d_minus_1_i32")], [Name("lens_rounded")]);
        g.AddNode("Div", [Name("lens_rounded"), Name("d_i32")], [Name("lens_grid")]);
        g.AddNode("Reshape", [Name("lens_grid"), Name("minus1")], [Name("sub_lens")]);

        SequenceModelOnnxExport.AddRecurrentOperator(g, shape, directions, prefix, Name("sub_input"), Name("sub_lens"));

        if (output is not null)
        {
            // Y [⌈T/d⌉, nd, d·B, H] → [⌈T/d⌉, d·B, nd, H] → [⌈T/d⌉·d, B, nd·H] → the first T steps.
            g.AddNode("Transpose", [$"{prefix}_Y"], [Name("Y_rows")], OnnxAttribute.Ints("perm", 0, 2, 1, 3));
            g.AddInitializer(Name("layer_width"), [1], Of(count * hidden));
            g.AddNode("Concat", [Name("minus1"), Name("batch"), Name("layer_width")], [Name("time_shape")],
                OnnxAttribute.Int("axis", 0));
            g.AddNode("Reshape", [Name("Y_rows"), Name("time_shape")], [Name("Y_padded")]);
            g.AddNode("Slice", [Name("Y_padded"), Name("at0"), Name("T"), Name("at0")], [output]);
        }
        if (features is null)
            return;
        // Forward: the state after step len_b − 1 is the final state of sub-sequence k = (len_b − 1) mod d.
        g.AddInitializer(Name("direction0"), [], Of(0));
        g.AddNode("Gather", [$"{prefix}_Y_h", Name("direction0")], [Name("forward_finals")], OnnxAttribute.Int("axis", 0));
        g.AddInitializer(Name("hidden"), [1], Of(hidden));
        g.AddNode("Concat", [Name("d"), Name("batch"), Name("hidden")], [Name("finals_shape")], OnnxAttribute.Int("axis", 0));
        g.AddNode("Reshape", [Name("forward_finals"), Name("finals_shape")], [Name("forward_grid")]);
        g.AddNode("Transpose", [Name("forward_grid")], [Name("forward_by_sequence")], OnnxAttribute.Ints("perm", 1, 0, 2));
        g.AddNode("Cast", [SequenceModelOnnxExport.Lengths], [Name("lens_i64")], OnnxAttribute.Int("to", (long)OnnxType.Int64));
        g.AddNode("Sub", [Name("lens_i64"), Name("at1")], [Name("last_step")]);
        g.AddNode("Mod", [Name("last_step"), Name("d")], [Name("last_residue")]);
        g.AddNode("Unsqueeze", [Name("last_residue"), Name("at1")], [Name("last_residue_index")]);
        var forward = count == 1 ? features : Name("forward_final");
        g.AddNode("GatherND", [Name("forward_by_sequence"), Name("last_residue_index")], [forward],
            OnnxAttribute.Int("batch_dims", 1));
        if (count == 1)
            return;
        // Reverse: the state after step 0 is the final state of sub-sequence k = 0, rows 0..B−1.
        g.AddInitializer(Name("direction1"), [], Of(1));
        g.AddNode("Gather", [$"{prefix}_Y_h", Name("direction1")], [Name("reverse_finals")], OnnxAttribute.Int("axis", 0));
        g.AddNode("Slice", [Name("reverse_finals"), Name("at0"), Name("batch"), Name("at0")], [Name("reverse_final")]);
        g.AddNode("Concat", [forward, Name("reverse_final")], [features], OnnxAttribute.Int("axis", 1));
    }
}
