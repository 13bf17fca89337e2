using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer;

/// <summary>
/// Everything that decides a model's shape and how it trains. Every field has a documented default; the
/// defaults train a one-layer LSTM with Adam (learning rate 0.001), no clipping and no weight decay.
/// <see cref="RecurrentTrainerOptions"/> (the ML.NET trainer's options) adds the ML.NET columns to these knobs.
/// </summary>
public class SequenceModelOptions
{
    /// <summary>The recurrent cell. Default <see cref="RecurrentCellKind.Lstm"/>.</summary>
    public RecurrentCellKind Cell { get; set; } = RecurrentCellKind.Lstm;

    /// <summary>The Elman cell's non-linearity (ignored by gated cells). Default <see cref="RecurrentActivation.Tanh"/>.</summary>
    public RecurrentActivation Activation { get; set; } = RecurrentActivation.Tanh;

    /// <summary>Hidden units per layer and direction. Default 64.</summary>
    public int HiddenSize { get; set; } = 64;

    /// <summary>Stacked recurrent layers. Default 1.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>
    /// Skip connections through time (a dilated RNN): layer ℓ computes s_t = cell(x_t, s_{t−d}) with d = Dilations[ℓ]
    /// and the initial state for t &lt; d; one positive integer per layer. Default null: 1 for every layer.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? Dilations { get; set; }

    /// <summary>Run every layer forward and backward in time and concatenate. Default false.</summary>
    public bool Bidirectional { get; set; }

    /// <summary>Width of the token embedding (token inputs only). Default 32.</summary>
    public int EmbeddingSize { get; set; } = 32;

    /// <summary>Give the recurrent layers biases b_xh and b_hh, and the head a bias. Default true.</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>
    /// GRU only: apply the reset gate after the recurrent product (r ⊙ (W_hh h + b)), as PyTorch does and ONNX
    /// calls linear_before_reset = 1. Default true.
    /// </summary>
    public bool GruLinearBeforeReset { get; set; } = true;

    /// <summary>How W_hh starts. Default <see cref="RecurrentInit.Xavier"/>.</summary>
    public RecurrentInit RecurrentInit { get; set; } = RecurrentInit.Xavier;

    /// <summary>Spectral radius of W_hh under <see cref="RecurrentInit.EchoState"/>; below 1 the state forgets its past. Default 0.9.</summary>
    public float SpectralRadius { get; set; } = 0.9f;

    /// <summary>
    /// Keep the recurrent layers (and embedding) as initialised and train only the head: with
    /// <see cref="RecurrentInit.EchoState"/> this is an echo state network. Default false.
    /// </summary>
    public bool FreezeRecurrent { get; set; }

    /// <summary>
    /// Weight of Pascanu et al.'s regulariser Ω = Σ_k (‖a_{k+1} ∂h_{k+1}/∂h_k‖ / ‖a_{k+1}‖ − 1)², which pushes each
    /// step's Jacobian to preserve the gradient's norm (Elman cells only; a_{k+1} and f' held constant). Default 0.
    /// </summary>
    public float OmegaWeight { get; set; }

    /// <summary>LSTM only: the initial forget-gate bias, so memory is kept at the start. Default 1.</summary>
    public float ForgetGateBias { get; set; } = 1f;

    /// <summary>Passes over the training data. Default 10.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Sequences per optimizer step. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Stop after this many optimizer steps in all (null: no limit; 0: do not train). Default null.</summary>
    public long? MaxSteps { get; set; }

    /// <summary>The optimizer. Default <see cref="RecurrentOptimizerKind.Adam"/>.</summary>
    public RecurrentOptimizerKind Optimizer { get; set; } = RecurrentOptimizerKind.Adam;

    /// <summary>The learning rate η. Default 0.001.</summary>
    public float LearningRate { get; set; } = 0.001f;

    /// <summary>Multiplies the learning rate after every epoch (1 keeps it constant). Default 1.</summary>
    public float LearningRateDecay { get; set; } = 1f;

    /// <summary>Momentum μ for <see cref="RecurrentOptimizerKind.Momentum"/>. Default 0.9.</summary>
    public float Momentum { get; set; } = 0.9f;

    /// <summary>Adam's β1. Default 0.9.</summary>
    public float AdamBeta1 { get; set; } = 0.9f;

    /// <summary>Adam's β2. Default 0.999.</summary>
    public float AdamBeta2 { get; set; } = 0.999f;

    /// <summary>Adam's ε. Default 1e-8.</summary>
    public float AdamEpsilon { get; set; } = 1e-8f;

    /// <summary>L2 weight decay λ, added to the gradient as λw after clipping. Default 0 (off).</summary>
    public float WeightDecay { get; set; }

    /// <summary>
    /// Rescale the whole gradient when its global L2 norm exceeds this threshold (Pascanu et al.). Default null
    /// (off). Cannot be combined with <see cref="ClipValue"/>.
    /// </summary>
    public float? ClipNorm { get; set; }

    /// <summary>Clamp every gradient element to ±this threshold. Default null (off).</summary>
    public float? ClipValue { get; set; }

    /// <summary>
    /// Truncated BPTT window k2: the gradient flows back at most this many steps from where the loss enters
    /// (null: full BPTT). Default null.
    /// </summary>
    public int? TruncationSteps { get; set; }

    /// <summary>
    /// Truncated BPTT stride k1, kept with the model for reference. A many-to-one loss enters only at each
    /// sequence's last step, so only k2 changes the gradient. Default null (equal to k2).
    /// </summary>
    public int? TruncationStride { get; set; }

    /// <summary>What a NaN or infinite loss or gradient does. Default <see cref="RecurrentNonFinitePolicy.Skip"/>.</summary>
    public RecurrentNonFinitePolicy NonFinitePolicy { get; set; } = RecurrentNonFinitePolicy.Skip;

    /// <summary>Stop when validation loss has not improved for this many epochs (0: never). Default 0.</summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>Seed of every random choice (initialisation, shuffling); the same seed gives the same model. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Measure g_t = ‖∂L/∂s_t‖ at every step for the gradient snapshot. Default true.</summary>
    public bool CollectAdjointNorms { get; set; } = true;

    /// <summary>Worker threads for the matrix products (0: one per core). Default 0.</summary>
    public int Threads { get; set; }

    /// <summary>A copy of these options (of the same type).</summary>
    public SequenceModelOptions Clone() => (SequenceModelOptions)MemberwiseClone();

    /// <summary>
    /// A plain <see cref="SequenceModelOptions"/> with the same knobs, without what a derived type adds: what
    /// a model keeps and saves.
    /// </summary>
    public SequenceModelOptions ToEngineOptions()
    {
        var plain = new SequenceModelOptions();
        foreach (var property in typeof(SequenceModelOptions).GetProperties())
        {
            if (property.CanRead && property.CanWrite)
                property.SetValue(plain, property.GetValue(this));
        }
        return plain;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field whose value cannot work.</summary>
    public void Validate()
    {
        Require(HiddenSize >= 1, nameof(HiddenSize), "must be at least 1");
        Require(Layers >= 1, nameof(Layers), "must be at least 1");
        Require(EmbeddingSize >= 1, nameof(EmbeddingSize), "must be at least 1");
        Require(Epochs >= 0, nameof(Epochs), "must not be negative");
        Require(BatchSize >= 1, nameof(BatchSize), "must be at least 1");
        Require(MaxSteps is null or >= 0, nameof(MaxSteps), "must not be negative");
        Require(float.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), "must be a positive number");
        Require(float.IsFinite(LearningRateDecay) && LearningRateDecay > 0, nameof(LearningRateDecay), "must be a positive number");
        Require(Momentum is >= 0 and < 1, nameof(Momentum), "must be in [0, 1)");
        Require(AdamBeta1 is >= 0 and < 1, nameof(AdamBeta1), "must be in [0, 1)");
        Require(AdamBeta2 is >= 0 and < 1, nameof(AdamBeta2), "must be in [0, 1)");
        Require(AdamEpsilon > 0, nameof(AdamEpsilon), "must be positive");
        Require(float.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), "must not be negative");
        Require(ClipNorm is null || (float.IsFinite(ClipNorm.Value) && ClipNorm > 0), nameof(ClipNorm), "must be a positive number");
        Require(ClipValue is null || (float.IsFinite(ClipValue.Value) && ClipValue > 0), nameof(ClipValue), "must be a positive number");
        Require(ClipNorm is null || ClipValue is null, nameof(ClipValue), "cannot be combined with ClipNorm");
        Require(TruncationSteps is null or >= 1, nameof(TruncationSteps), "must be at least 1");
        Require(TruncationStride is null or >= 1, nameof(TruncationStride), "must be at least 1");
        Require(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), "must not be negative");
        Require(Threads >= 0, nameof(Threads), "must not be negative");
        Require(float.IsFinite(ForgetGateBias), nameof(ForgetGateBias), "must be finite");
        Require(float.IsFinite(SpectralRadius) && SpectralRadius > 0, nameof(SpectralRadius), "must be a positive number");
        Require(float.IsFinite(OmegaWeight) && OmegaWeight >= 0, nameof(OmegaWeight), "must not be negative");
        Require(OmegaWeight == 0 || Cell == RecurrentCellKind.Rnn, nameof(OmegaWeight), "applies to the rnn cell only");
        DilationRules.Validate(this);
    }

    private static void Require(bool condition, string field, string problem)
    {
        if (!condition)
            throw new ArgumentException($"SequenceModelOptions.{field} {problem}.", field);
    }
}
