using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// The engine's own account of what a network costs (<see cref="NetworkSize"/>), which the service's limits on runs
/// and predictions use: its parameters are the ones the network allocates, and its bytes per step are what a pass
/// allocates for each further step of each sequence.
/// </summary>
public sealed class NetworkSizeTests
{
    public static TheoryData<RecurrentCellKind, int, bool, bool, bool> Shapes => new()
    {
        { RecurrentCellKind.Lstm, 1, false, false, true },
        { RecurrentCellKind.Lstm, 2, true, true, true },
        { RecurrentCellKind.Gru, 2, false, false, true },
        { RecurrentCellKind.Gru, 1, true, true, false },
        { RecurrentCellKind.Rnn, 3, true, false, false },
        { RecurrentCellKind.Rnn, 1, false, true, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Parameters_are_the_weights_the_network_allocates(RecurrentCellKind cell, int layers, bool bidirectional, bool tokens, bool bias)
    {
        var (options, data) = Case(cell, layers, bidirectional, tokens, bias, length: 5);
        var network = new SequenceModelTrainer(options).Initialize(data).Network;
        Assert.Equal(network.Parameters.Sum(p => (long)p.Length), Size(options, data).Parameters);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Bytes_per_step_are_what_a_pass_allocates_for_each_further_step(RecurrentCellKind cell, int layers, bool bidirectional, bool tokens, bool bias)
    {
        var (options, data) = Case(cell, layers, bidirectional, tokens, bias, length: 5);
        const int shortLength = 40, longLength = 240;
        var size = Size(options, data);
        // The estimate is a bound: a few rows keep every step's input projection, what it counts; from four rows a
        // worker on, training may project each step in a buffer of one step (where [x_t | h_{t-1}] fits one depth
        // block of this machine's kernel plan), and a pass takes less.
        Assert.InRange(PerStep(options, tokens, rows: 2, shortLength, longLength, training: true), 0.9 * size.TrainingBytesPerStep,
            1.1 * size.TrainingBytesPerStep);
        Assert.InRange(PerStep(options, tokens, rows: 8, shortLength, longLength, training: true), 0, size.TrainingBytesPerStep);
        // A prediction of a few rows projects every step's input at once, what the estimate counts; from four rows a
        // worker on, each step's projection is made in a buffer of one step, and a pass takes less.
        Assert.InRange(PerStep(options, tokens, rows: 2, shortLength, longLength, training: false), 0.9 * size.InferenceBytesPerStep,
            1.1 * size.InferenceBytesPerStep);
        Assert.InRange(PerStep(options, tokens, rows: 8, shortLength, longLength, training: false), 0, size.InferenceBytesPerStep);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_dilation_beyond_the_sequences_costs_its_padding_and_the_estimate_counts_it(bool training)
    {
        // Sequences of 3 steps through a layer of dilation 300: it holds 300 steps per sequence, 100 times the plain one.
        var (options, data) = Case(RecurrentCellKind.Lstm, 2, bidirectional: true, tokens: false, bias: true, length: 3, count: 8);
        var plain = new SequenceModelOptions { Cell = options.Cell, HiddenSize = 24, Layers = 2, Bidirectional = true, UseBias = true, Threads = 1, Dilations = [1, 1] };
        var dilated = new SequenceModelOptions { Cell = options.Cell, HiddenSize = 24, Layers = 2, Bidirectional = true, UseBias = true, Threads = 1, Dilations = [1, 300] };
        long Allocated(SequenceModelOptions o)
        {
            var network = new SequenceModelTrainer(o).Initialize(data).Network;
            var batch = new SequenceBatch();
            batch.Fill(data.Examples, Enumerable.Range(0, data.Count).ToArray(), data.FeatureCount);
            Pass(network, batch); // first use: the kernels' plan and calibration
            network = new SequenceModelTrainer(o).Initialize(data).Network;
            var before = GC.GetAllocatedBytesForCurrentThread();
            Pass(network, batch);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        void Pass(SequenceNetwork network, SequenceBatch batch)
        {
            if (training)
                network.ComputeGradients(batch, null, null, threads: 1);
            else
                network.Infer(batch, threads: 1);
        }
        var padding = (double)(Allocated(dilated) - Allocated(plain)) / data.Count;
        long Estimate(SequenceModelOptions o) => training ? Size(o, data).TrainingBytes(3) : Size(o, data).InferenceBytes(3);
        var estimated = Estimate(dilated) - Estimate(plain);
        Assert.True(estimated > 50 * Estimate(plain) / 2, $"the padding is most of it: {estimated} of {Estimate(dilated)}");
        // A bound (a prediction that projects step by step keeps no projection of every step), and not a loose one.
        Assert.InRange(padding, 0.7 * estimated, estimated);
        // Without dilations the whole-sequence estimate is the per-step one, plus in each of the 2 × 2 directions the
        // initial h and c and one row's scratch of one step (the LSTM's 4 H in training).
        Assert.Equal(3 * Size(plain, data).TrainingBytesPerStep + 2 * 2 * (2 + 4) * 24 * sizeof(float), Size(plain, data).TrainingBytes(3));
    }

    /// <summary>Bytes one pass allocates per sequence and step: two fresh networks, the difference of their lengths.</summary>
    private static double PerStep(SequenceModelOptions options, bool tokens, int rows, int shortLength, int longLength, bool training)
    {
        long Allocated(int length)
        {
            var (_, data) = Case(options.Cell, options.Layers, options.Bidirectional, tokens, options.UseBias, length, rows);
            var network = new SequenceModelTrainer(options).Initialize(data).Network;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var batch = new SequenceBatch();
            batch.Fill(data.Examples, Enumerable.Range(0, data.Count).ToArray(), data.FeatureCount);
            if (training)
                network.ComputeGradients(batch, null, null, threads: 1);
            else
                network.Infer(batch, threads: 1);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Allocated(shortLength); // first use: the kernels' plan and calibration
        return (double)(Allocated(longLength) - Allocated(shortLength)) / ((longLength - shortLength) * rows);
    }

    private static NetworkSize Size(SequenceModelOptions options, SequenceDataset data) =>
        NetworkSize.Of(options, data.InputKind, data.FeatureCount, data.Vocabulary?.Count ?? 0,
            data.Labels.ClassCount == 2 ? 1 : data.Labels.ClassCount);

    [Theory]
    [InlineData(1, 7, 7)]
    [InlineData(1, 1, 2)] // a binary head's one output is two probabilities in a prediction
    [InlineData(2, 5, 5)]
    public void A_per_step_prediction_counts_every_step_s_output(int layers, int outputs, int floatsPerStep)
    {
        // Dilations pad the layers, never the output: it is one row per step of the record.
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Gru, HiddenSize = 8, Layers = layers, Dilations = layers == 2 ? [1, 4] : null };
        var perSequence = NetworkSize.Of(options, InputKind.Tokens, 0, 20, outputs);
        var perStep = NetworkSize.Of(options, InputKind.Tokens, 0, 20, outputs, perStep: true);
        foreach (var steps in new[] { 1, 9, 1000 })
            Assert.Equal(steps * floatsPerStep * sizeof(float), perStep.InferenceBytes(steps) - perSequence.InferenceBytes(steps));
        Assert.Equal(floatsPerStep * sizeof(float), perStep.InferenceBytesPerStep - perSequence.InferenceBytesPerStep);
        Assert.Equal(perSequence.TrainingBytes(50), perStep.TrainingBytes(50));
        Assert.Equal(perSequence.Parameters, perStep.Parameters);
    }

    private static (SequenceModelOptions Options, SequenceDataset Data) Case(RecurrentCellKind cell, int layers, bool bidirectional,
        bool tokens, bool bias, int length, int count = 4)
    {
        var options = new SequenceModelOptions
        {
            Cell = cell,
            HiddenSize = 24,
            Layers = layers,
            Bidirectional = bidirectional,
            EmbeddingSize = 6,
            UseBias = bias,
            Threads = 1,
        };
        var data = tokens
            ? EngineFixtures.TokenData(count, vocabulary: 30, [length], HeadKind.MultiClass, classes: 3, seed: 5)
            : EngineFixtures.NumericData(count, features: 7, [length], HeadKind.MultiClass, classes: 3, seed: 5);
        return (options, data);
    }
}
