using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Models;

namespace Recurrent.Bench;

/// <summary>
/// What skip gates save at inference: the managed engine's prediction with a model whose gates update about half
/// the steps, against the plain model of the same cell and size, one thread each, timed in alternating rounds.
/// </summary>
/// <remarks>
/// The gates are set, not trained: W_p random (every row its own pattern, so the rows that update at a step are a
/// gathered subset, as in a trained model) and b_p found by bisection so that the share of updated steps on the
/// timed batch is within 2 points of <c>targetShare</c>.
/// </remarks>
public static class SkipInferenceBenchmark
{
    public sealed record Result(double UpdateShare, double PlainLatencyMicroseconds, double SkipLatencyMicroseconds,
        double PlainSequencesPerSecond, double SkipSequencesPerSecond);

    public static Result Run(SequenceModelOptions options, int length, int inputSize, int repetitions, double targetShare = 0.5)
    {
        var plain = TrainingBenchmark.RandomModel(options, length, inputSize);
        var skipOptions = options.Clone();
        skipOptions.SkipUpdates = true;
        var skip = TrainingBenchmark.RandomModel(skipOptions, length, inputSize);

        var sequences = InferenceBenchmark.RandomSequences(1 + 64, length, inputSize);
        SequenceExample[] single = [sequences[0]];
        var batch = sequences[1..];
        var share = SetGates(skip, batch, targetShare);

        var (plainLatency, skipLatency) = InferenceBenchmark.InterleavedMedians(() => plain.PredictBatch(single),
            () => skip.PredictBatch(single), repetitions);
        var (plainBatch, skipBatch) = InferenceBenchmark.InterleavedMedians(() => plain.PredictBatch(batch),
            () => skip.PredictBatch(batch), Math.Max(10, repetitions / 10), InferenceBenchmark.BatchRoundMilliseconds);
        return new Result(share, plainLatency, skipLatency, 64e6 / plainBatch, 64e6 / skipBatch);
    }

    // W_p ~ N(0, 1/S) and b_p by bisection (a larger b_p updates more); returns the share reached on the batch.
    private static double SetGates(SequenceModel model, SequenceExample[] batch, double target)
    {
        var rng = new DeterministicRandom(11);
        var gates = model.Network.Layers.SelectMany(layer => layer).Select(d => d.SkipGate!).ToArray();
        foreach (var gate in gates)
        {
            var scale = 1 / Math.Sqrt(gate.Weights.Length);
            for (var i = 0; i < gate.Weights.Length; i++)
                gate.Weights.Value[i] = (float)(rng.NextGaussian() * scale);
        }
        double low = -6, high = 6, share = 0;
        for (var i = 0; i < 30; i++)
        {
            var bias = (low + high) / 2;
            foreach (var gate in gates)
                gate.Bias.Value[0] = (float)bias;
            model.Network.WeightsChanged();
            model.PredictBatch(batch);
            share = model.Network.UpdateShares().Average();
            if (Math.Abs(share - target) <= 0.02)
                break;
            if (share > target)
                high = bias;
            else
                low = bias;
        }
        return share;
    }
}
