using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Training;

/// <summary>
/// One epoch of an encoder–decoder's training, as <see cref="EncoderDecoderTrainer.Fit"/> reports it: the train loss
/// per target step of the epoch, the clipped and non-finite steps and the time over the run (since a resume).
/// </summary>
internal sealed record EncoderDecoderEpoch(int Epoch, long Steps, double TrainLoss, EncoderDecoderEvaluation? Validation,
    int ClippedSteps, int NonFiniteSteps, TimeSpan Elapsed);

/// <summary>
/// Trains an <see cref="EncoderDecoderNetwork"/> by minibatch BPTT with the options the sequence models take: the
/// cell, H, L, the embedding size, biases, the optimizer and its rate (decayed per epoch, warmed up), gradient
/// clipping by norm or value, epochs, batch size, the step bound, the seed and threads. Options that have no meaning
/// for it (bidirectional, dilations, skip gates, truncation, Ω, a frozen reservoir, echo-state weights) are refused,
/// naming the option. A step with a non-finite loss or gradient is skipped, or stops the run (the policy).
/// </summary>
internal sealed class EncoderDecoderTrainer(SequenceModelOptions options)
{
    private readonly SequenceModelOptions _options = options;

    /// <summary>The starting weights: Glorot uniform (W_xh, W_hh per gate block, the head), N(0, 1) embeddings, zero
    /// biases but the LSTM's forget gate (<see cref="SequenceModelOptions.ForgetGateBias"/>).</summary>
    public EncoderDecoderModel Initialize(PairDataset train)
    {
        var refused = Refused(_options);
        if (refused is not null)
            throw new ArgumentException($"{refused} does not apply to an encoder–decoder.");
        var shape = new EncoderDecoderShape(_options.Cell, _options.Activation, _options.HiddenSize, _options.Layers,
            _options.UseBias, _options.GruLinearBeforeReset, _options.EmbeddingSize, train.SourceSymbols.Count,
            train.TargetSymbols.Count);
        var network = new EncoderDecoderNetwork(shape);
        var random = new DeterministicRandom((ulong)(_options.Seed ?? SequenceModelOptions.Defaults.Seed));
        foreach (var embedding in new[] { network.SourceEmbedding, network.TargetEmbedding })
        {
            for (var i = 0; i < embedding.Length; i++)
                embedding.Value[i] = (float)random.NextGaussian();
        }
        foreach (var direction in network.Encoder.Concat(network.Decoder))
        {
            var hidden = direction.Hidden;
            for (var g = 0; g < direction.Cell.GateCount; g++)
            {
                Glorot(direction.InputWeights.Value.AsSpan(g * hidden * direction.InputSize, hidden * direction.InputSize),
                    direction.InputSize, hidden, random);
                Glorot(direction.RecurrentWeights.Value.AsSpan(g * hidden * hidden, hidden * hidden), hidden, hidden, random);
            }
            direction.InputBias?.Value.AsSpan().Clear();
            direction.RecurrentBias?.Value.AsSpan().Clear();
            // Gate order i, o, f, c: the forget gate is the third block.
            if (_options.Cell == RecurrentCellKind.Lstm && direction.InputBias is { } bias)
                bias.Value.AsSpan(2 * hidden, hidden).Fill(_options.ForgetGateBias);
        }
        Glorot(network.Head.Weights.Value, network.Head.InputSize, network.Head.Outputs, random);
        network.Head.Bias?.Value.AsSpan().Clear();
        return new EncoderDecoderModel(network, _options, train.SourceSymbols, train.TargetSymbols);
    }

    /// <summary>The first option set that has no meaning for an encoder–decoder (its property name), or null.</summary>
    public static string? Refused(SequenceModelOptions o) =>
        o.Bidirectional ? "Bidirectional"
        : o.Dilations is not null ? "Dilations"
        : o.SkipUpdates ? "SkipUpdates"
        : o.TruncationSteps is not null || o.TruncationStride is not null ? "TruncationSteps"
        : o.OmegaWeight != 0 ? "OmegaWeight"
        : o.FreezeRecurrent ? "FreezeRecurrent"
        : o.RecurrentInit != SequenceModelOptions.Defaults.RecurrentInit ? "RecurrentInit"
        : o.EarlyStoppingPatience > 0 ? "EarlyStoppingPatience"
        : null;

    private static void Glorot(Span<float> weights, int fanIn, int fanOut, DeterministicRandom random)
    {
        var bound = Math.Sqrt(6.0 / (fanIn + fanOut));
        for (var i = 0; i < weights.Length; i++)
            weights[i] = (float)random.NextUniform(-bound, bound);
    }

    /// <summary>
    /// Trains on <paramref name="train"/>, evaluating on <paramref name="validation"/> after every epoch (greedy
    /// decoding included) when given; <paramref name="epochDone"/> hears each epoch, <paramref name="observer"/> each
    /// step and epoch as the sequence models' trainer reports them. With <paramref name="checkpoints"/> it hands out
    /// checkpoints (every N steps, at each epoch's end, on cancellation) and can resume from one, bit for bit.
    /// </summary>
    public EncoderDecoderModel Fit(PairDataset train, PairDataset? validation, Action<EncoderDecoderEpoch>? epochDone = null,
        CancellationToken cancellation = default, ITrainingObserver? observer = null,
        EncoderDecoderCheckpoints? checkpoints = null)
    {
        if (train.Count == 0)
            throw new ArgumentException($"{train.Name}: no training pairs.");
        var model = Initialize(train);
        if (checkpoints?.ResumeFrom is { } resume && (!resume.Model.SourceSymbols.SequenceEqual(train.SourceSymbols)
            || !resume.Model.TargetSymbols.SequenceEqual(train.TargetSymbols)))
            throw new ArgumentException($"The checkpoint's symbols differ from those of {train.Name}.");
        new EncoderDecoderTrainingLoop(model, _options, train, validation, observer, epochDone, checkpoints).Run(cancellation);
        return model;
    }
}
