using System.CommandLine;
using Recurrent.Host.Training;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Commands;

/// <summary>
/// The flags of `recurrent train`: a <see cref="TrainingRequest"/> as the command line spells it, mapped onto the
/// trainer's and the data loader's options by the one <see cref="TrainingRequestMapper"/>.
/// </summary>
internal sealed class TrainOptions
{
    public Option<string> Data { get; } = new("--data") { Description = "Training data: a .jsonl or .csv file, or a built-in name (adding:T, temporal-order:T, latch:T, seed-toy, fashion-mnist-rows, fashion-mnist-pixels).", Required = true };
    public Option<string?> Valid { get; } = new("--valid") { Description = "Validation data (a file); nothing is split off the training data when given." };
    public Option<string?> Test { get; } = new("--test") { Description = "Test data (a file), evaluated after training." };
    public Option<double> ValidFraction { get; } = new("--valid-fraction") { Description = "Hold out this fraction of the training file for validation (default 0)." };
    public Option<int?> Count { get; } = new("--count") { Description = "Built-in tasks: sequences to generate (default 1000); files: read at most this many." };
    public Option<int?> VocabularySize { get; } = new("--vocab-size") { Description = "Keep at most this many token ids (reserved <pad> and <unk> included)." };
    public Option<int> MinCount { get; } = new("--min-count") { Description = "Keep tokens seen at least this often (default 1).", DefaultValueFactory = _ => 1 };
    public Option<int?> MaxLength { get; } = new("--max-length") { Description = "Cut longer sequences." };
    public Option<string> Truncate { get; } = new("--truncate") { Description = "Which part of a long sequence to keep: first or last (default first).", DefaultValueFactory = _ => "first" };
    public Option<string> Cell { get; } = CliOptions.Cell();
    public Option<string> Activation { get; } = CliOptions.Activation();
    public Option<int> Hidden { get; } = new("--hidden") { Description = "Hidden units per layer and direction (default 64).", DefaultValueFactory = _ => 64 };
    public Option<int> Layers { get; } = new("--layers") { Description = "Stacked layers (default 1).", DefaultValueFactory = _ => 1 };
    public Option<string?> Dilations { get; } = new("--dilations") { Description = "One dilation per layer, such as 1,2,4,8: layer l's state comes from step t - d_l (skip connections through time); the count sets the layers (default 1 per layer)." };
    public Option<bool> Bidirectional { get; } = new("--bidirectional") { Description = "Run each layer forward and backward in time." };
    public Option<int> Embedding { get; } = new("--embedding") { Description = "Embedding width for token data (default 32).", DefaultValueFactory = _ => 32 };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Passes over the training data (default 10).", DefaultValueFactory = _ => 10 };
    public Option<int> Batch { get; } = new("--batch") { Description = "Sequences per optimizer step (default 32).", DefaultValueFactory = _ => 32 };
    public Option<string> Optimizer { get; } = new("--optimizer") { Description = "sgd, momentum or adam (default adam).", DefaultValueFactory = _ => "adam" };
    public Option<float> LearningRate { get; } = new("--lr") { Description = "Learning rate (default 0.001).", DefaultValueFactory = _ => 0.001f };
    public Option<float> LearningRateDecay { get; } = new("--lr-decay") { Description = "Multiply the learning rate by this after every epoch (default 1).", DefaultValueFactory = _ => 1f };
    public Option<float> Momentum { get; } = new("--momentum") { Description = "Momentum for --optimizer momentum (default 0.9).", DefaultValueFactory = _ => 0.9f };
    public Option<float> WeightDecay { get; } = new("--weight-decay") { Description = "L2 weight decay (default 0)." };
    public Option<float?> ClipNorm { get; } = new("--clip-norm") { Description = "Rescale the gradient when its global L2 norm exceeds this." };
    public Option<float?> ClipValue { get; } = new("--clip-value") { Description = "Clamp every gradient element to ±this." };
    public Option<string> Bptt { get; } = new("--bptt") { Description = "full, or K1,K2 for truncated BPTT (the gradient goes back at most K2 steps).", DefaultValueFactory = _ => "full" };
    public Option<string> Init { get; } = new("--init") { Description = "W_hh initialisation: xavier, orthogonal, identity or echo-state (default xavier).", DefaultValueFactory = _ => "xavier" };
    public Option<float> SpectralRadius { get; } = new("--spectral-radius") { Description = "Spectral radius of W_hh for --init echo-state (default 0.9).", DefaultValueFactory = _ => 0.9f };
    public Option<bool> FreezeRecurrent { get; } = new("--freeze-recurrent") { Description = "Train only the head (with --init echo-state: an echo state network)." };
    public Option<float> Omega { get; } = new("--omega") { Description = "Weight of Pascanu et al.'s regulariser Omega (rnn cell; default 0)." };
    public Option<float> ForgetBias { get; } = new("--forget-bias") { Description = "LSTM initial forget-gate bias (default 1).", DefaultValueFactory = _ => 1f };
    public Option<bool> GruResetFirst { get; } = new("--gru-reset-before") { Description = "GRU: apply the reset gate before the recurrent product (ONNX linear_before_reset=0)." };
    public Option<string> NonFinite { get; } = new("--non-finite") { Description = "skip (default) or stop at a NaN or infinite loss or gradient.", DefaultValueFactory = _ => "skip" };
    public Option<int> Patience { get; } = new("--patience") { Description = "Stop after this many epochs without a better validation loss (0: never)." };
    public Option<long?> MaxSteps { get; } = new("--max-steps") { Description = "Stop after this many optimizer steps; 0 writes the initialised model untrained." };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of initialisation, shuffling and built-in data (default 1).", DefaultValueFactory = _ => 1 };
    public Option<int> Threads { get; } = new("--threads") { Description = "Worker threads (0: one per core)." };
    public Option<string> Out { get; } = new("--out") { Description = "Where to write the model.", Required = true };
    public Option<string?> Onnx { get; } = new("--onnx") { Description = "Also export the model as ONNX to this file." };
    public Option<int?> MetricsPort { get; } = new("--metrics-port") { Description = "Serve Prometheus metrics at http://127.0.0.1:PORT/metrics while training." };
    public Option<double> MetricsLinger { get; } = new("--metrics-linger") { Description = "Keep serving /metrics this many seconds after training ends, for a last scrape." };
    public Option<bool> Json { get; } = CliOptions.Json();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[]
        {
            Data, Valid, Test, ValidFraction, Count, VocabularySize, MinCount, MaxLength, Truncate, Cell, Activation, Hidden,
            Layers, Dilations, Bidirectional, Embedding, Epochs, Batch, Optimizer, LearningRate, LearningRateDecay, Momentum,
            WeightDecay, ClipNorm, ClipValue, Bptt, Init, SpectralRadius, FreezeRecurrent, Omega, ForgetBias, GruResetFirst, NonFinite, Patience, MaxSteps, Seed,
            Threads, Out, Onnx, MetricsPort, MetricsLinger, Json,
        })
            command.Add(option);
    }

    /// <summary>The flags as a training request, as the service would receive them.</summary>
    public TrainingRequest ToRequest(ParseResult parse)
    {
        var dilations = parse.GetValue(Dilations);
        return new TrainingRequest
        {
            ValidFraction = parse.GetValue(ValidFraction),
            Count = parse.GetValue(Count),
            VocabSize = parse.GetValue(VocabularySize),
            MinCount = parse.GetValue(MinCount),
            MaxLength = parse.GetValue(MaxLength),
            Truncate = parse.GetValue(Truncate)!,
            Cell = parse.GetValue(Cell)!,
            Activation = parse.GetValue(Activation)!,
            Hidden = parse.GetValue(Hidden),
            Layers = parse.GetValue(Layers),
            Dilations = dilations is null ? null : TrainingRequestMapper.ParseDilations(dilations, FieldSpelling.CommandLine),
            Bidirectional = parse.GetValue(Bidirectional),
            Embedding = parse.GetValue(Embedding),
            Epochs = parse.GetValue(Epochs),
            Batch = parse.GetValue(Batch),
            Optimizer = parse.GetValue(Optimizer)!,
            Lr = parse.GetValue(LearningRate),
            LrDecay = parse.GetValue(LearningRateDecay),
            Momentum = parse.GetValue(Momentum),
            WeightDecay = parse.GetValue(WeightDecay),
            ClipNorm = parse.GetValue(ClipNorm),
            ClipValue = parse.GetValue(ClipValue),
            Bptt = parse.GetValue(Bptt)!,
            Init = parse.GetValue(Init)!,
            SpectralRadius = parse.GetValue(SpectralRadius),
            FreezeRecurrent = parse.GetValue(FreezeRecurrent),
            Omega = parse.GetValue(Omega),
            ForgetBias = parse.GetValue(ForgetBias),
            GruResetBefore = parse.GetValue(GruResetFirst),
            NonFinite = parse.GetValue(NonFinite)!,
            Patience = parse.GetValue(Patience),
            MaxSteps = parse.GetValue(MaxSteps),
            Seed = parse.GetValue(Seed),
            Threads = parse.GetValue(Threads),
        };
    }

    public SequenceModelOptions ToTrainerOptions(ParseResult parse) =>
        TrainingRequestMapper.ToTrainerOptions(ToRequest(parse), FieldSpelling.CommandLine,
            layersGiven: parse.GetResult(Layers) is { Implicit: false });

    public DatasetOptions ToDatasetOptions(ParseResult parse) =>
        TrainingRequestMapper.ToDatasetOptions(ToRequest(parse), FieldSpelling.CommandLine);
}
