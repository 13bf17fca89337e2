using System.Diagnostics;
using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Training;

/// <summary>One epoch of an encoder–decoder's training, as <see cref="EncoderDecoderTrainer.Fit"/> reports it.</summary>
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

    private static string? Refused(SequenceModelOptions o) =>
        o.Bidirectional ? "Bidirectional"
        : o.Dilations is not null ? "Dilations"
        : o.SkipUpdates ? "SkipUpdates"
        : o.TruncationSteps is not null || o.TruncationStride is not null ? "TruncationSteps"
        : o.OmegaWeight != 0 ? "OmegaWeight"
        : o.FreezeRecurrent ? "FreezeRecurrent"
        : o.RecurrentInit != SequenceModelOptions.Defaults.RecurrentInit ? "RecurrentInit"
        : null;

    private static void Glorot(Span<float> weights, int fanIn, int fanOut, DeterministicRandom random)
    {
        var bound = Math.Sqrt(6.0 / (fanIn + fanOut));
        for (var i = 0; i < weights.Length; i++)
            weights[i] = (float)random.NextUniform(-bound, bound);
    }

    /// <summary>
    /// Trains on <paramref name="train"/>, evaluating on <paramref name="validation"/> after every epoch (greedy
    /// decoding included) when given; <paramref name="epochDone"/> hears each epoch.
    /// </summary>
    public EncoderDecoderModel Fit(PairDataset train, PairDataset? validation, Action<EncoderDecoderEpoch>? epochDone = null,
        CancellationToken cancellation = default)
    {
        if (train.Count == 0)
            throw new ArgumentException($"{train.Name}: no training pairs.");
        var model = Initialize(train);
        var network = model.Network;
        var parameters = network.Parameters;
        var optimizer = Optimizer.Create(_options, parameters);
        var threads = _options.Threads > 0 ? _options.Threads : Environment.ProcessorCount;
        var random = new DeterministicRandom(DeterministicRandom.DeriveSeed((ulong)(_options.Seed ?? SequenceModelOptions.Defaults.Seed), 7));
        var order = Enumerable.Range(0, train.Count).ToArray();
        var batch = new PairBatch(network.Shape.Boundary);
        var batchSize = Math.Max(1, _options.BatchSize);
        var learningRate = _options.LearningRate;
        long steps = 0;
        var clock = Stopwatch.StartNew();
        for (var epoch = 1; epoch <= _options.Epochs && !Done(steps); epoch++)
        {
            random.Shuffle(order);
            double lossSum = 0;
            int batches = 0, clipped = 0, nonFinite = 0;
            for (var first = 0; first < order.Length && !Done(steps); first += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                batch.Fill(train.Pairs, order.AsSpan(first, Math.Min(batchSize, order.Length - first)));
                var loss = network.ComputeGradients(batch.Source, batch.Target, threads);
                var norm = Norm(parameters);
                steps++;
                if (!double.IsFinite(loss) || !double.IsFinite(norm))
                {
                    if (_options.NonFinitePolicy == RecurrentNonFinitePolicy.Stop)
                        throw new NonFiniteGradientException(steps, $"the loss or gradient is not finite (loss {loss}, gradient norm {norm})");
                    nonFinite++;
                    continue;
                }
                if (_options.ClipNorm is float maxNorm && GradientClipping.ClipByNorm(parameters, norm, maxNorm))
                    clipped++;
                else if (_options.ClipValue is float maxValue && GradientClipping.ClipByValue(parameters, maxValue))
                    clipped++;
                var rate = steps <= _options.LearningRateWarmupSteps ? learningRate * steps / _options.LearningRateWarmupSteps : learningRate;
                optimizer.Step(parameters, rate);
                network.WeightsChanged();
                lossSum += loss;
                batches++;
            }
            learningRate *= _options.LearningRateDecay;
            var evaluation = validation is null ? null : model.Evaluate(validation.Pairs);
            epochDone?.Invoke(new EncoderDecoderEpoch(epoch, steps, batches == 0 ? double.NaN : lossSum / batches, evaluation,
                clipped, nonFinite, clock.Elapsed));
        }
        return model;
    }

    private bool Done(long steps) => _options.MaxSteps is long max && steps >= max;

    private static double Norm(IReadOnlyList<Parameter> parameters)
    {
        var sum = 0.0;
        foreach (var p in parameters)
        {
            foreach (var g in p.Gradient)
                sum += (double)g * g;
        }
        return Math.Sqrt(sum);
    }
}
