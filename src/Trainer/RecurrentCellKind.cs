namespace Microsoft.ML;

/// <summary>The recurrent cell.</summary>
public enum RecurrentCellKind
{
    /// <summary>Elman RNN: h_t = f(W_xh x_t + W_hh h_{t-1} + b).</summary>
    Rnn,

    /// <summary>Long short-term memory, gates i, o, f, c as in ONNX.</summary>
    Lstm,

    /// <summary>Gated recurrent unit, gates z, r, h as in ONNX.</summary>
    Gru,
}
