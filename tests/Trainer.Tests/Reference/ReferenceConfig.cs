namespace Recurrent.Trainer.Tests.Reference;

/// <summary>The network the reference computes; the same contract the engine implements.</summary>
public sealed record ReferenceConfig
{
    public ReferenceCellKind Cell { get; init; } = ReferenceCellKind.Rnn;

    /// <summary>Only read for <see cref="ReferenceCellKind.Rnn"/>.</summary>
    public ReferenceActivation Activation { get; init; } = ReferenceActivation.Tanh;

    public int HiddenSize { get; init; } = 2;

    public int Layers { get; init; } = 1;

    public bool Bidirectional { get; init; }

    public bool UseBias { get; init; } = true;

    /// <summary>Only read for <see cref="ReferenceCellKind.Gru"/>.</summary>
    public bool LinearBeforeReset { get; init; } = true;

    public ReferenceInputKind Input { get; init; } = ReferenceInputKind.Numeric;

    /// <summary>E, for <see cref="ReferenceInputKind.Tokens"/>.</summary>
    public int EmbeddingSize { get; init; }

    /// <summary>V including the padding id 0, for <see cref="ReferenceInputKind.Tokens"/>.</summary>
    public int VocabularySize { get; init; }

    /// <summary>F, for <see cref="ReferenceInputKind.Numeric"/>.</summary>
    public int FeatureCount { get; init; }

    public ReferenceHeadKind Head { get; init; } = ReferenceHeadKind.Binary;

    /// <summary>C, for <see cref="ReferenceHeadKind.MultiClass"/>.</summary>
    public int ClassCount { get; init; }

    /// <summary>
    /// d_l per layer: layer l's state at step t is computed from its state at t − d_l (forward) or t + d_l
    /// (reverse), the initial state where that step lies outside the sequence. Null means 1 for every layer.
    /// </summary>
    public int[]? Dilations { get; init; }

    /// <summary>d_l of layer <paramref name="layer"/>.</summary>
    public int Dilation(int layer) => Dilations is null ? 1 : Dilations[layer];

    /// <summary>
    /// The truncation window k2; null means full BPTT. With a per-step head, k2 is the length of the segments every
    /// sequence is cut into from its start: no recurrent edge between two segments carries gradient.
    /// </summary>
    public int? Truncation { get; init; }

    /// <summary>
    /// A head at every step (many-to-many, equal length): z_t = W u_t + b on the top layer's output u_t, and the
    /// loss is the mean over the batch's labelled steps of each step's loss.
    /// </summary>
    public bool PerStep { get; init; }

    /// <summary>
    /// Campos et al.'s learned update gate in every layer and direction (Skip RNN): u_t = round(ũ_t) chooses
    /// s_t = u_t·cell(x_t, s_{t−1}) + (1 − u_t)·s_{t−1}; Δũ_t = σ(W_p s_t + b_p) with s = h, or [h; c] for the LSTM;
    /// ũ_{t+1} = u_t·Δũ_t + (1 − u_t)·(ũ_t + min(Δũ_t, 1 − ũ_t)); ũ = 1 at a direction's first step. The gradient
    /// passes the rounding as if it were the identity (the straight-through estimator).
    /// </summary>
    public bool SkipUpdates { get; init; }

    /// <summary>λ: every sample's loss adds λ·Σ u_t over all its layers, directions and steps (then averaged as the loss is).</summary>
    public double SkipBudget { get; init; }

    /// <summary>The width of s_t that W_p reads.</summary>
    public int SkipStateWidth => Cell == ReferenceCellKind.Lstm ? 2 * HiddenSize : HiddenSize;

    /// <summary>nd.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>G: the number of H-row blocks in W_xh and W_hh.</summary>
    public int GateCount => Cell switch
    {
        ReferenceCellKind.Rnn => 1,
        ReferenceCellKind.Lstm => 4,
        ReferenceCellKind.Gru => 3,
        _ => throw new InvalidOperationException($"Unknown cell {Cell}."),
    };

    /// <summary>O: the head's output count.</summary>
    public int OutputCount => Head == ReferenceHeadKind.MultiClass ? ClassCount : 1;

    /// <summary>in_l: the width of layer <paramref name="layer"/>'s input.</summary>
    public int LayerInputSize(int layer) =>
        layer > 0 ? Directions * HiddenSize
        : Input == ReferenceInputKind.Tokens ? EmbeddingSize : FeatureCount;

    /// <summary>Throws when the configuration cannot describe a network.</summary>
    public void Validate()
    {
        Require(HiddenSize >= 1, "HiddenSize must be at least 1.");
        Require(Layers >= 1, "Layers must be at least 1.");
        Require(Truncation is null or >= 1, "Truncation must be at least 1 when set.");
        Require(SkipBudget >= 0 && (SkipUpdates || SkipBudget == 0), "SkipBudget must be non-negative, and needs SkipUpdates.");
        Require(Dilations is null || (Dilations.Length == Layers && Dilations.All(d => d >= 1)),
            "Dilations must hold one positive integer per layer.");
        if (Input == ReferenceInputKind.Tokens)
        {
            Require(EmbeddingSize >= 1, "EmbeddingSize must be at least 1 for token input.");
            Require(VocabularySize >= 2, "VocabularySize must include padding and one token.");
        }
        else
        {
            Require(FeatureCount >= 1, "FeatureCount must be at least 1 for numeric input.");
        }

        Require(Head != ReferenceHeadKind.MultiClass || ClassCount >= 2, "MultiClass needs at least 2 classes.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
