namespace Recurrent.Host.Training;

/// <summary>
/// The options of one training run as a user gives them, whichever way: the flags of <c>recurrent train</c> and
/// <c>recurrent bench</c> (<c>--clip-norm</c>), the fields of <c>POST /api/runs</c> and of a sweep's base and grid
/// (<c>clip_norm</c>). Names are spelled as the user writes them (cell "lstm", bptt "K1,K2", init "echo-state");
/// <see cref="TrainingRequestMapper"/> turns them into the engine's options, in one place. Defaults are the CLI's.
/// A new option is added here and in <see cref="TrainingRequestMapper"/>, and the service takes it at once; the CLI
/// declares its flag in Commands/TrainOptions.
/// </summary>
public class TrainingRequest
{
    /// <summary>Fraction of an uploaded dataset held out for validation.</summary>
    public double ValidFraction { get; set; }

    /// <summary>Built-in tasks: sequences to generate; files: read at most this many.</summary>
    public int? Count { get; set; }

    /// <summary>Most token ids kept.</summary>
    public int? VocabSize { get; set; }

    /// <summary>Keep tokens seen at least this often.</summary>
    public int MinCount { get; set; } = 1;

    /// <summary>Cut longer sequences.</summary>
    public int? MaxLength { get; set; }

    /// <summary>first or last.</summary>
    public string Truncate { get; set; } = "first";

    /// <summary>lstm, gru or rnn.</summary>
    public string Cell { get; set; } = "lstm";

    /// <summary>tanh, relu or sigmoid (rnn cells).</summary>
    public string Activation { get; set; } = "tanh";

    /// <summary>Hidden units per layer and direction.</summary>
    public int Hidden { get; set; } = 64;

    /// <summary>Stacked layers.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>One dilation per layer (skip connections through time); their count sets the layers. Null: 1 per layer.</summary>
    public int[]? Dilations { get; set; }

    /// <summary>Run each layer forward and backward in time.</summary>
    public bool Bidirectional { get; set; }

    /// <summary>Embedding width for token data.</summary>
    public int Embedding { get; set; } = 32;

    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Sequences per optimizer step.</summary>
    public int Batch { get; set; } = 32;

    /// <summary>sgd, momentum or adam.</summary>
    public string Optimizer { get; set; } = "adam";

    /// <summary>Learning rate.</summary>
    public float Lr { get; set; } = 0.001f;

    /// <summary>Learning-rate factor per epoch.</summary>
    public float LrDecay { get; set; } = 1f;

    /// <summary>Momentum of the momentum optimizer.</summary>
    public float Momentum { get; set; } = 0.9f;

    /// <summary>L2 weight decay.</summary>
    public float WeightDecay { get; set; }

    /// <summary>Global gradient-norm clip threshold.</summary>
    public float? ClipNorm { get; set; }

    /// <summary>Element-wise gradient clip.</summary>
    public float? ClipValue { get; set; }

    /// <summary>full, or K1,K2 for truncated BPTT.</summary>
    public string Bptt { get; set; } = "full";

    /// <summary>xavier, orthogonal, identity or echo-state (the CLI's spellings).</summary>
    public string Init { get; set; } = "xavier";

    /// <summary>Spectral radius of W_hh for init echo-state.</summary>
    public float SpectralRadius { get; set; } = 0.9f;

    /// <summary>Train only the head (with init echo-state: an echo state network).</summary>
    public bool FreezeRecurrent { get; set; }

    /// <summary>Weight of Pascanu et al.'s regulariser Omega (rnn cell).</summary>
    public float Omega { get; set; }

    /// <summary>LSTM initial forget-gate bias.</summary>
    public float ForgetBias { get; set; } = 1f;

    /// <summary>GRU: reset gate before the recurrent product.</summary>
    public bool GruResetBefore { get; set; }

    /// <summary>skip or stop.</summary>
    public string NonFinite { get; set; } = "skip";

    /// <summary>Early-stopping patience in epochs (0: never).</summary>
    public int Patience { get; set; }

    /// <summary>Stop after this many optimizer steps.</summary>
    public long? MaxSteps { get; set; }

    /// <summary>Seed of initialisation, shuffling and built-in data.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Worker threads of this run (0: one per core).</summary>
    public int Threads { get; set; }
}
