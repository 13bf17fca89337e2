namespace Microsoft.ML;

/// <summary>The Elman cell's non-linearity f.</summary>
public enum RecurrentActivation
{
    /// <summary>tanh, derivative bound 1.</summary>
    Tanh,

    /// <summary>max(0, x), derivative bound 1 (with identity W_hh this is the IRNN).</summary>
    Relu,

    /// <summary>The logistic function, derivative bound 1/4.</summary>
    Sigmoid,
}
