using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.ML;

namespace Recurrent.Trainer;

/// <summary>
/// Everything that decides a model's shape and how it trains. Every field has a documented default; the
/// defaults train a one-layer LSTM with Adam (learning rate 0.001), no clipping and no weight decay.
/// <see cref="RecurrentTrainerOptions"/> (the ML.NET trainer's options) adds the ML.NET columns to these knobs.
/// </summary>
public class SequenceModelOptions
{
    /// <summary>The recurrent cell. Default <see cref="RecurrentCellKind.Lstm"/>.</summary>
    [Description("The recurrent cell: LSTM, GRU or Elman RNN.")]
    public RecurrentCellKind Cell { get; set; } = Defaults.Cell;

    /// <summary>The Elman cell's non-linearity (ignored by gated cells). Default <see cref="RecurrentActivation.Tanh"/>.</summary>
    [Description("The Elman cell's non-linearity (gated cells ignore it).")]
    public RecurrentActivation Activation { get; set; } = Defaults.Activation;

    /// <summary>Hidden units per layer and direction. Default 64.</summary>
    [Description("Hidden units per layer and direction."), Range(1, int.MaxValue)]
    public int HiddenSize { get; set; } = Defaults.HiddenSize;

    /// <summary>Stacked recurrent layers. Default 1.</summary>
    [Description("Stacked recurrent layers."), Range(1, int.MaxValue)]
    public int Layers { get; set; } = Defaults.Layers;

    /// <summary>
    /// Skip connections through time (a dilated RNN): layer ℓ computes s_t = cell(x_t, s_{t−d}) with d = Dilations[ℓ]
    /// and the initial state for t &lt; d; one positive integer per layer. Default null: 1 for every layer.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    [Description("One dilation per layer, such as 1,2,4,8: layer l's state comes from step t - d_l (skip connections through time); their count sets the layers. None: 1 for every layer.")]
    public IReadOnlyList<int>? Dilations { get; set; }

    /// <summary>Run every layer forward and backward in time and concatenate. Default false.</summary>
    [Description("Run every layer forward and backward in time.")]
    public bool Bidirectional { get; set; }

    /// <summary>
    /// Learned skip updates (Campos et al.'s Skip RNN): every layer and direction decides at each step, by a binary
    /// gate u_t = round(ũ_t), whether its state is updated (s_t = u_t·S(s_{t−1}, x_t) + (1 − u_t)·s_{t−1}); ũ grows
    /// by Δũ_t = σ(W_p s_t + b_p) while steps are skipped, and the rounding's gradient is the straight-through
    /// estimator's. A skipped step costs no cell at inference and hands its gradient back unchanged. Every cell,
    /// stacked, bidirectional, dilated and per-step; not with <see cref="OmegaWeight"/>. Default false.
    /// </summary>
    [Description("Learn when to update each layer's state (Skip RNN, Campos et al. 2018): a binary update gate per step; skipped steps copy the state and cost no cell at inference.")]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool SkipUpdates { get; set; }

    /// <summary>
    /// The budget weight λ of <see cref="SkipUpdates"/>: the loss adds λ·Σ u_t, the state updates of every layer and
    /// direction per sequence (averaged over sequences, or a per-step head's labelled steps, as the loss is), so a
    /// larger λ trades accuracy for fewer updates. The paper uses 1e-5 to 1e-4. Default 0 (no budget).
    /// </summary>
    [Description("Skip updates: the weight lambda of the budget loss lambda * (state updates per sequence); larger skips more."), Range(0d, double.PositiveInfinity)]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public float SkipUpdateBudget { get; set; }

    /// <summary>Width of the token embedding (token inputs only). Default 32.</summary>
    [Description("Width of the token embedding (token data only)."), Range(1, int.MaxValue)]
    public int EmbeddingSize { get; set; } = Defaults.EmbeddingSize;

    /// <summary>Give the recurrent layers biases b_xh and b_hh, and the head a bias. Default true.</summary>
    [Description("Biases in the recurrent layers and the head.")]
    public bool UseBias { get; set; } = Defaults.UseBias;

    /// <summary>
    /// GRU only: apply the reset gate after the recurrent product (r ⊙ (W_hh h + b)), as PyTorch does and ONNX
    /// calls linear_before_reset = 1. Default true.
    /// </summary>
    [Description("GRU: the reset gate after the recurrent product, as PyTorch (false: before it, ONNX's default form).")]
    public bool GruLinearBeforeReset { get; set; } = Defaults.GruLinearBeforeReset;

    /// <summary>How W_hh starts. Default <see cref="RecurrentInit.Xavier"/>.</summary>
    [Description("How W_hh starts: Glorot uniform, orthogonal, identity, or an echo state reservoir.")]
    public RecurrentInit RecurrentInit { get; set; } = Defaults.RecurrentInit;

    /// <summary>Spectral radius of W_hh under <see cref="RecurrentInit.EchoState"/>; below 1 the state forgets its past. Default 0.9.</summary>
    [Description("W_hh's spectral radius under echo-state initialisation."), Range(0d, double.PositiveInfinity, MinimumIsExclusive = true)]
    public float SpectralRadius { get; set; } = Defaults.SpectralRadius;

    /// <summary>
    /// Keep the recurrent layers (and embedding) as initialised and train only the head: with
    /// <see cref="RecurrentInit.EchoState"/> this is an echo state network. Default false.
    /// </summary>
    [Description("Train only the head (with echo-state initialisation: an echo state network).")]
    public bool FreezeRecurrent { get; set; }

    /// <summary>
    /// Weight of Pascanu et al.'s regulariser Ω = Σ_k (‖a_{k+1} ∂h_{k+1}/∂h_k‖ / ‖a_{k+1}‖ − 1)², which pushes each
    /// step's Jacobian to preserve the gradient's norm (Elman cells only; a_{k+1} and f' held constant). Default 0.
    /// </summary>
    [Description("Weight of Pascanu et al.'s regulariser Omega (rnn cell)."), Range(0d, double.PositiveInfinity)]
    public float OmegaWeight { get; set; }

    /// <summary>LSTM only: the initial forget-gate bias, so memory is kept at the start. Default 1.</summary>
    [Description("LSTM: the forget gate's initial bias.")]
    public float ForgetGateBias { get; set; } = Defaults.ForgetGateBias;

    /// <summary>Passes over the training data. Default 10.</summary>
    [Description("Passes over the training data."), Range(0, int.MaxValue)]
    public int Epochs { get; set; } = Defaults.Epochs;

    /// <summary>Sequences per optimizer step. Default 32.</summary>
    [Description("Sequences per optimizer step."), Range(1, int.MaxValue)]
    public int BatchSize { get; set; } = Defaults.BatchSize;

    /// <summary>Stop after this many optimizer steps in all (null: no limit; 0: do not train). Default null.</summary>
    [Description("Stop after this many optimizer steps in all (0: write the initialised model untrained)."), Range(0d, double.PositiveInfinity)]
    public long? MaxSteps { get; set; }

    /// <summary>The optimizer. Default <see cref="RecurrentOptimizerKind.Adam"/>.</summary>
    [Description("The optimizer: plain SGD, SGD with momentum, or Adam.")]
    public RecurrentOptimizerKind Optimizer { get; set; } = Defaults.Optimizer;

    /// <summary>The learning rate η. Default 0.001.</summary>
    [Description("The learning rate."), Range(0d, double.PositiveInfinity, MinimumIsExclusive = true)]
    public float LearningRate { get; set; } = Defaults.LearningRate;

    /// <summary>Multiplies the learning rate after every epoch (1 keeps it constant). Default 1.</summary>
    [Description("Multiplies the learning rate after every epoch."), Range(0d, double.PositiveInfinity, MinimumIsExclusive = true)]
    public float LearningRateDecay { get; set; } = Defaults.LearningRateDecay;

    /// <summary>
    /// Warm the learning rate up linearly over the first this many optimizer steps: step s (from 1) uses
    /// η·s/this, a remedy for the large, unsettled gradients of an untrained network. Default 0 (no warm-up).
    /// </summary>
    [Description("Raise the learning rate linearly from 0 over this many first steps (0: no warm-up)."), Range(0, int.MaxValue)]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public int LearningRateWarmupSteps { get; set; }

    /// <summary>Momentum μ for <see cref="RecurrentOptimizerKind.Momentum"/>. Default 0.9.</summary>
    [Description("Momentum of the momentum optimizer."), Range(0d, 1d, MaximumIsExclusive = true)]
    public float Momentum { get; set; } = Defaults.Momentum;

    /// <summary>Adam's β1. Default 0.9.</summary>
    [Description("Adam's beta1."), Range(0d, 1d, MaximumIsExclusive = true)]
    public float AdamBeta1 { get; set; } = Defaults.AdamBeta1;

    /// <summary>Adam's β2. Default 0.999.</summary>
    [Description("Adam's beta2."), Range(0d, 1d, MaximumIsExclusive = true)]
    public float AdamBeta2 { get; set; } = Defaults.AdamBeta2;

    /// <summary>Adam's ε. Default 1e-8.</summary>
    [Description("Adam's epsilon."), Range(0d, double.PositiveInfinity, MinimumIsExclusive = true)]
    public float AdamEpsilon { get; set; } = Defaults.AdamEpsilon;

    /// <summary>L2 weight decay λ, added to the gradient as λw after clipping. Default 0 (off).</summary>
    [Description("L2 weight decay."), Range(0d, double.PositiveInfinity)]
    public float WeightDecay { get; set; }

    /// <summary>
    /// Rescale the whole gradient when its global L2 norm exceeds this threshold (Pascanu et al.). Default null
    /// (off). Cannot be combined with <see cref="ClipValue"/>.
    /// </summary>
    [Description("Rescale the gradient when its global L2 norm exceeds this."), Range(0d, double.PositiveInfinity, MinimumIsExclusive = true)]
    public float? ClipNorm { get; set; }

    /// <summary>Clamp every gradient element to ±this threshold. Default null (off).</summary>
    [Description("Clamp every gradient element to ± this."), Range(0d, double.PositiveInfinity, MinimumIsExclusive = true)]
    public float? ClipValue { get; set; }

    /// <summary>
    /// Truncated BPTT window k2: the gradient flows back at most this many steps from where the loss enters
    /// (null: full BPTT). With a per-step head every sequence is cut into segments of k2 steps from its start and
    /// BPTT runs within each segment (the state entering a segment is a constant), so each step's loss reaches back
    /// to its segment's start, 1 to k2 steps. Default null.
    /// </summary>
    [Description("Truncated BPTT: the gradient goes back at most this many steps (none: full BPTT)."), Range(1, int.MaxValue)]
    public int? TruncationSteps { get; set; }

    /// <summary>
    /// Truncated BPTT stride k1, kept with the model for reference. A many-to-one loss enters only at each
    /// sequence's last step, so only k2 changes the gradient; a per-step head's segments are k1 = k2 steps, so there
    /// it must be null or equal to k2. Default null (equal to k2).
    /// </summary>
    [Description("Truncated BPTT's stride k1, kept with the model for reference."), Range(1, int.MaxValue)]
    public int? TruncationStride { get; set; }

    /// <summary>What a NaN or infinite loss or gradient does. Default <see cref="RecurrentNonFinitePolicy.Skip"/>.</summary>
    [Description("A NaN or infinite loss or gradient: skip the step, or stop with an error.")]
    public RecurrentNonFinitePolicy NonFinitePolicy { get; set; } = Defaults.NonFinitePolicy;

    /// <summary>Stop when validation loss has not improved for this many epochs (0: never). Default 0.</summary>
    [Description("Stop when the validation loss has not improved for this many epochs (0: never)."), Range(0, int.MaxValue)]
    public int EarlyStoppingPatience { get; set; }

    /// <summary>
    /// Seed of every random choice (initialisation, shuffling); the same seed gives the same model. Default null:
    /// <see cref="Training.SequenceModelTrainer"/> uses <see cref="Defaults.Seed"/> (1), so the engine is reproducible as it
    /// stands, and the ML.NET trainer takes its seed from the MLContext, as ML.NET's own trainers do.
    /// </summary>
    [Description("Seed of every random choice (initialisation, shuffling, generated data); none: 1, in ML.NET the MLContext's.")]
    public int? Seed { get; set; }

    // The seed the engine runs with.
    internal int SeedOrDefault => Seed ?? Defaults.Seed;

    /// <summary>Measure g_t = ‖∂L/∂s_t‖ at every step for the gradient snapshot. Default true.</summary>
    [Description("Measure g_t at every step for the gradient diagnostics.")]
    public bool CollectAdjointNorms { get; set; } = Defaults.CollectAdjointNorms;

    /// <summary>
    /// How much gradient detail each step measures: global figures, plus each layer's paths and saturation, plus each
    /// parameter block's norms and update ratio. Default <see cref="RecurrentGradientDetail.Block"/>.
    /// </summary>
    [Description("Gradient diagnostics' detail: global, layer (each layer's paths and saturation) or block (each gate's norms and update ratio).")]
    public RecurrentGradientDetail GradientDetail { get; set; } = Defaults.GradientDetail;

    /// <summary>
    /// The detail above the global figures (paths, saturation, blocks) is measured on the first step and then every
    /// this many steps; the global figures on every step. Between two measurements every surface carries the last
    /// measured detail and the step it was measured at. 1 measures it every step. Default
    /// <see cref="Defaults.GradientDetailEvery"/>.
    /// </summary>
    [Description("Measure the gradient detail (paths, saturation, blocks) on the first step and every this many steps after; the global figures every step."), Range(1, int.MaxValue)]
    public int GradientDetailEvery { get; set; } = Defaults.GradientDetailEvery;

    /// <summary>Worker threads for the matrix products (0: one per core). Default 0.</summary>
    [Description("Worker threads (0: one per core)."), Range(0, int.MaxValue)]
    public int Threads { get; set; }

    /// <summary>
    /// The default of every option, declared once: the properties start from these values, and the ML.NET catalog's
    /// parameters and the documentation read them.
    /// </summary>
    public static class Defaults
    {
        /// <summary>Default of <see cref="Cell"/>: an LSTM.</summary>
        public const RecurrentCellKind Cell = RecurrentCellKind.Lstm;
        /// <summary>Default of <see cref="Activation"/>: tanh.</summary>
        public const RecurrentActivation Activation = RecurrentActivation.Tanh;
        /// <summary>Default of <see cref="HiddenSize"/>.</summary>
        public const int HiddenSize = 64;
        /// <summary>Default of <see cref="Layers"/>.</summary>
        public const int Layers = 1;
        /// <summary>Default of <see cref="EmbeddingSize"/>.</summary>
        public const int EmbeddingSize = 32;
        /// <summary>Default of <see cref="UseBias"/>.</summary>
        public const bool UseBias = true;
        /// <summary>Default of <see cref="GruLinearBeforeReset"/> (as PyTorch).</summary>
        public const bool GruLinearBeforeReset = true;
        /// <summary>Default of <see cref="RecurrentInit"/>: Glorot uniform.</summary>
        public const RecurrentInit RecurrentInit = Microsoft.ML.RecurrentInit.Xavier;
        /// <summary>Default of <see cref="SpectralRadius"/>.</summary>
        public const float SpectralRadius = 0.9f;
        /// <summary>Default of <see cref="ForgetGateBias"/>.</summary>
        public const float ForgetGateBias = 1f;
        /// <summary>Default of <see cref="Epochs"/>.</summary>
        public const int Epochs = 10;
        /// <summary>Default of <see cref="BatchSize"/>.</summary>
        public const int BatchSize = 32;
        /// <summary>Default of <see cref="Optimizer"/>: Adam.</summary>
        public const RecurrentOptimizerKind Optimizer = RecurrentOptimizerKind.Adam;
        /// <summary>Default of <see cref="LearningRate"/>.</summary>
        public const float LearningRate = 0.001f;
        /// <summary>Default of <see cref="LearningRateDecay"/> (constant rate).</summary>
        public const float LearningRateDecay = 1f;
        /// <summary>Default of <see cref="Momentum"/>.</summary>
        public const float Momentum = 0.9f;
        /// <summary>Default of <see cref="AdamBeta1"/>.</summary>
        public const float AdamBeta1 = 0.9f;
        /// <summary>Default of <see cref="AdamBeta2"/>.</summary>
        public const float AdamBeta2 = 0.999f;
        /// <summary>Default of <see cref="AdamEpsilon"/>.</summary>
        public const float AdamEpsilon = 1e-8f;
        /// <summary>Default of <see cref="NonFinitePolicy"/>: skip the step.</summary>
        public const RecurrentNonFinitePolicy NonFinitePolicy = RecurrentNonFinitePolicy.Skip;
        /// <summary>The seed <see cref="Training.SequenceModelTrainer"/> uses when <see cref="Seed"/> is null.</summary>
        public const int Seed = 1;
        /// <summary>Default of <see cref="CollectAdjointNorms"/>.</summary>
        public const bool CollectAdjointNorms = true;
        /// <summary>Default of <see cref="GradientDetail"/>: every figure (its cost is measured in docs/diagnostics-detail.md).</summary>
        public const RecurrentGradientDetail GradientDetail = RecurrentGradientDetail.Block;
        /// <summary>
        /// Default of <see cref="GradientDetailEvery"/>: every 10th step, which divides the detail's own cost by ten
        /// (measured in docs/diagnostics-detail.md).
        /// </summary>
        public const int GradientDetailEvery = 10;
    }

    /// <summary>A copy of these options (of the same type).</summary>
    public SequenceModelOptions Clone() => (SequenceModelOptions)MemberwiseClone();

    /// <summary>
    /// A plain <see cref="SequenceModelOptions"/> with the same knobs, without what a derived type adds: what
    /// a model keeps and saves.
    /// </summary>
    internal SequenceModelOptions ToEngineOptions()
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
        if (FindProblem() is { } problem)
            throw new ArgumentException($"{GetType().Name}.{problem.Option} {problem.Describe(name => name)}.", problem.Option);
    }

    /// <summary>
    /// The first option whose value cannot work: out of its declared range (<see cref="RangeAttribute"/>, every
    /// option of this type and a derived one, in declaration order), or against a rule between options.
    /// </summary>
    internal OptionProblem? FindProblem()
    {
        if (OptionBounds.FirstViolation(this) is { } outOfRange)
            return outOfRange;
        if (ClipNorm is not null && ClipValue is not null)
            return new OptionProblem(nameof(ClipValue), "cannot be combined with {0}", nameof(ClipNorm));
        if (OmegaWeight != 0 && Cell != RecurrentCellKind.Rnn)
            return new OptionProblem(nameof(OmegaWeight), "applies to the rnn cell only");
        if (SkipUpdateBudget != 0 && !SkipUpdates)
            return new OptionProblem(nameof(SkipUpdateBudget), "applies only with {0}", nameof(SkipUpdates));
        // Ω asks every step's Jacobian to keep the gradient's norm; a skipped step's Jacobian is the identity.
        if (OmegaWeight != 0 && SkipUpdates)
            return new OptionProblem(nameof(OmegaWeight), "cannot be combined with {0}", nameof(SkipUpdates));
        return DilationRules.Problem(this);
    }
}
