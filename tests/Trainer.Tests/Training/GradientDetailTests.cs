using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

/// <summary>
/// The detail levels' figures against what they claim to be, measured independently: block norms that add up to the
/// global norm, update ratios from the weights read before and after the step (and SGD's and Adam's first step in
/// closed form), saturation shares against a count over gates recomputed from the weights, a ReLU layer killed on
/// purpose, and a global level that measures none of it; and the cadence: the detail measured on the first step and
/// every k-th after, exact there, and carried unchanged (with the step it was measured at) in between.
/// </summary>
public sealed class GradientDetailTests
{
    private static (SequenceModel Model, TrainingLoop Loop, SequenceBatch Batch, SnapshotCopy Copy) Loop(SequenceModelOptions options,
        int length = 6, int inputSize = 3, int batchSize = 5)
    {
        var data = Data(length, inputSize, batchSize);
        var examples = data.Examples.ToArray();
        var batch = new SequenceBatch();
        batch.Fill(examples, Enumerable.Range(0, batchSize).ToArray(), inputSize);
        var model = new SequenceModelTrainer(options).Initialize(data);
        var copy = new SnapshotCopy();
        return (model, new TrainingLoop(model, options, data, null, copy), batch, copy);
    }

    // Gaussian sequences of lengths length, length − 1, length − 2, three classes.
    private static SequenceDataset Data(int length = 6, int inputSize = 3, int count = 5)
    {
        var rng = new DeterministicRandom(5);
        var examples = Enumerable.Range(0, count).Select(b => SequenceExample.FromSteps(
            [.. Enumerable.Range(0, (length - b % 3) * inputSize).Select(_ => (float)rng.NextGaussian())], inputSize, b % 3)).ToArray();
        return new SequenceDataset("detail", InputKind.Numeric, inputSize, null, LabelSet.Classes(["a", "b", "c"]), examples);
    }

    // The detail members of the last step's snapshot, copied (the snapshot is refilled every step).
    private sealed class SnapshotCopy : ITrainingObserver
    {
        public double PreClipNorm;
        public ParameterBlock[] Blocks = [];
        public double[] GradNorms = [], WeightNorms = [], UpdateRatios = [];
        public SaturationUnit[] Units = [];
        public double[] Shares = [];
        public int Paths;
        public long? DetailStep;
        public float[] GlobalNorms = [], Path0Norms = [];
        public GradientRecord? Record;
        public GradientMonitor Monitor = new(null, "detail");

        public void OnStep(StepReport step)
        {
            var s = step.Snapshot;
            DetailStep = s.DetailStep;
            GlobalNorms = s.AdjointNorms.ToArray();
            Path0Norms = s.Paths.Count > 0 ? s.Paths[0].Norms.ToArray() : [];
            Record = Monitor.Observe(step);
            PreClipNorm = s.PreClipNorm;
            Blocks = [.. s.Blocks];
            GradNorms = [.. s.BlockGradNorms];
            WeightNorms = [.. s.BlockWeightNorms];
            UpdateRatios = [.. s.BlockUpdateRatios];
            Units = [.. s.SaturationUnits];
            Shares = [.. s.SaturationShares];
            Paths = s.Paths.Count(p => p.HasNorms);
        }

        public void OnEpoch(EpochReport epoch)
        {
        }
    }

    private static SequenceModelOptions Options(RecurrentCellKind cell, RecurrentGradientDetail detail = RecurrentGradientDetail.Block) => new()
    {
        Cell = cell,
        HiddenSize = 4,
        Layers = 2,
        Bidirectional = true,
        Seed = 3,
        Threads = 1,
        GradientDetail = detail,
        // Every step, so each step's figures can be compared with it; the cadence has its own tests below.
        GradientDetailEvery = 1,
    };

    [Theory]
    [InlineData(RecurrentCellKind.Lstm, 4)]
    [InlineData(RecurrentCellKind.Gru, 3)]
    [InlineData(RecurrentCellKind.Rnn, 1)]
    public void Block_norms_add_up_to_the_global_norm_and_name_every_gate(RecurrentCellKind cell, int gates)
    {
        var (_, loop, batch, copy) = Loop(Options(cell));

        loop.TrainBatch(batch);

        // Two layers × two directions × (W_xh, W_hh, b) per gate, and the head's W_hy and b_y.
        Assert.Equal(2 * 2 * 3 * gates + 2, copy.Blocks.Length);
        Assert.Equal(copy.PreClipNorm * copy.PreClipNorm, copy.GradNorms.Sum(n => n * n), 1e-9 * copy.PreClipNorm * copy.PreClipNorm);
        string[] expected = cell switch
        {
            RecurrentCellKind.Lstm => ["i", "o", "f", "c"],
            RecurrentCellKind.Gru => ["z", "r", "h"],
            _ => ["h"],
        };
        Assert.Equal(expected, copy.Blocks.Where(b => b.Layer == "1" && b.Direction == "reverse" && b.Block == "W_hh").Select(b => b.Gate));
        Assert.Equal(new ParameterBlock("head", "forward", "b_y", "y"), copy.Blocks[^1]);
        Assert.Equal(4, copy.Paths);
    }

    [Fact]
    public void Update_ratios_are_the_weights_change_over_the_weights_read_before_and_after_the_step()
    {
        var (model, loop, batch, copy) = Loop(Options(RecurrentCellKind.Lstm));
        loop.TrainBatch(batch); // a second step, so Adam's moments are not at their first-step values
        var parameters = model.Network.Parameters;
        var before = parameters.ToDictionary(p => p.Name, p => (float[])p.Value.Clone());

        loop.TrainBatch(batch);

        const int hidden = 4;
        for (var i = 0; i < copy.Blocks.Length; i++)
        {
            var block = copy.Blocks[i];
            var (names, rows) = Rows(block, hidden);
            double change = 0, weights = 0;
            foreach (var name in names)
            {
                var p = parameters.Single(q => q.Name == name);
                var columns = p.Shape.Count > 1 ? p.Shape[1] : 1;
                var (first, count) = rows ?? (0, p.Shape[0]);
                for (var k = first * columns; k < (first + count) * columns; k++)
                {
                    change += Math.Pow(p.Value[k] - before[name][k], 2);
                    weights += Math.Pow(before[name][k], 2);
                }
            }
            Assert.Equal(Math.Sqrt(weights), copy.WeightNorms[i], 1e-9 * Math.Sqrt(weights) + 1e-12);
            var ratio = Math.Sqrt(change) / Math.Sqrt(weights);
            Assert.True(Math.Abs(copy.UpdateRatios[i] - ratio) <= 1e-6 * ratio, $"{block}: reported {copy.UpdateRatios[i]}, measured {ratio}");
        }
    }

    // Which parameters and rows a block covers, from the parameters' names and the cells' gate order.
    private static (string[] Names, (int First, int Count)? Rows) Rows(ParameterBlock block, int hidden)
    {
        if (block.Layer == "head")
            return (block.Block == "W_hy" ? ["head.W"] : ["head.b"], null);
        var prefix = block.Direction == "forward" ? $"layer{block.Layer}." : $"layer{block.Layer}_reverse.";
        var gate = Array.IndexOf(["i", "o", "f", "c"], block.Gate);
        string[] names = block.Block == "b" ? [prefix + "b_xh", prefix + "b_hh"] : [prefix + block.Block];
        return (names, (gate * hidden, hidden));
    }

    [Fact]
    public void Sgd_first_step_ratio_is_the_learning_rate_times_the_gradient_over_the_weights()
    {
        var options = Options(RecurrentCellKind.Gru);
        options.Optimizer = RecurrentOptimizerKind.Sgd;
        options.LearningRate = 0.1f;
        var (_, loop, batch, copy) = Loop(options);

        loop.TrainBatch(batch);

        // ΔW = −η g without clipping: ‖ΔW‖/‖W‖ = η ‖g‖/‖W‖ block by block; biases start at zero, where no ratio exists.
        Assert.Contains(copy.Blocks, b => b.Block == "b");
        for (var i = 0; i < copy.Blocks.Length; i++)
        {
            if (copy.WeightNorms[i] == 0)
            {
                Assert.True(double.IsNaN(copy.UpdateRatios[i]));
                continue;
            }
            var expected = 0.1 * copy.GradNorms[i] / copy.WeightNorms[i];
            Assert.True(Math.Abs(copy.UpdateRatios[i] - expected) <= 1e-4 * expected, $"{copy.Blocks[i]}: {copy.UpdateRatios[i]} vs {expected}");
        }
    }

    [Fact]
    public void Adam_first_step_moves_every_weight_by_the_learning_rate_whatever_its_gradient()
    {
        var options = Options(RecurrentCellKind.Rnn);
        options.LearningRate = 0.01f;
        var (model, loop, batch, copy) = Loop(options);

        loop.TrainBatch(batch);

        // Adam's first step is η m̂/(√v̂ + ε) = η g/(|g| + ε): η per element, so ‖ΔW‖ = η √n for a block of n elements
        // (with |g| ≫ ε), however large or small its gradient: its ratio says η √n/‖W‖, not how much the block learns.
        var hidden = model.Network.Parameters.Single(p => p.Name == "layer0.W_hh");
        var i = Array.IndexOf(copy.Blocks, new ParameterBlock("0", "forward", "W_hh", "h"));
        var expected = 0.01 * Math.Sqrt(hidden.Length) / copy.WeightNorms[i];
        Assert.True(Math.Abs(copy.UpdateRatios[i] - expected) <= 1e-3 * expected, $"{copy.UpdateRatios[i]} vs {expected}");
    }

    [Fact]
    public void Lstm_gate_saturation_matches_a_count_over_gates_recomputed_from_the_weights()
    {
        var options = Options(RecurrentCellKind.Lstm);
        options.Layers = 1;
        options.Bidirectional = false;
        // 40 sequences: gates are counted on every second one (40 / 16 rows sampled).
        var (model, loop, batch, copy) = Loop(options, batchSize: 40);
        var network = model.Network;
        // Wide weights, so a fair share of the gates saturates.
        foreach (var p in network.Parameters)
        {
            for (var k = 0; k < p.Length; k++)
                p.Value[k] *= 6;
        }
        var weights = network.Parameters.ToDictionary(p => p.Name, p => (float[])p.Value.Clone());

        loop.TrainBatch(batch);

        // The same forward pass in double from the weights before the step: z = W_xh x + W_hh h + b_xh + b_hh,
        // gates i, o, f, c (ONNX order), c_t = f c + i g, h_t = o tanh c_t.
        const int hidden = 4;
        long valid = 0;
        var counts = new long[3]; // i, f, o
        long states = 0;
        for (var b = 0; b < batch.Size; b += 2)
        {
            var h = new double[hidden];
            var c = new double[hidden];
            for (var t = 0; t < batch.Lengths[b]; t++)
            {
                var z = new double[4 * hidden];
                for (var r = 0; r < 4 * hidden; r++)
                {
                    z[r] = weights["layer0.b_xh"][r] + weights["layer0.b_hh"][r];
                    for (var k = 0; k < 3; k++)
                        z[r] += weights["layer0.W_xh"][r * 3 + k] * batch.Features[(t * batch.Size + b) * 3 + k];
                    for (var k = 0; k < hidden; k++)
                        z[r] += weights["layer0.W_hh"][r * hidden + k] * h[k];
                }
                valid++;
                for (var j = 0; j < hidden; j++)
                {
                    double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
                    double i = Sigmoid(z[j]), o = Sigmoid(z[hidden + j]), f = Sigmoid(z[2 * hidden + j]), g = Math.Tanh(z[3 * hidden + j]);
                    counts[0] += Saturated(i) ? 1 : 0;
                    counts[1] += Saturated(f) ? 1 : 0;
                    counts[2] += Saturated(o) ? 1 : 0;
                    c[j] = f * c[j] + i * g;
                    h[j] = o * Math.Tanh(c[j]);
                    states += Math.Abs(h[j]) > 0.97 ? 1 : 0;
                }
            }
        }

        Assert.Equal(["i", "f", "o", "tanh"], copy.Units.Select(u => u.Unit));
        double[] expected = [.. counts.Select(n => (double)n / (valid * hidden)), (double)states / (valid * hidden)];
        Assert.Equal(expected, copy.Shares);
        Assert.True(expected.Take(3).Sum() > 0, "no gate saturated: the test would not show the count");
    }

    // Within 0.02 of 0 or 1, as the float kernels' values are: a double within 1e-6 of the edge is not tested here.
    private static bool Saturated(double gate) => gate < 0.02 || gate > 0.98;

    [Fact]
    public void Relu_units_killed_on_purpose_are_counted_dead_and_the_living_are_not()
    {
        var options = Options(RecurrentCellKind.Rnn);
        options.Activation = RecurrentActivation.Relu;
        options.Layers = 1;
        options.Bidirectional = false;
        options.LearningRate = 1e-6f;
        var (model, loop, batch, copy) = Loop(options);
        // Units 0 and 1 see nothing and have a bias of −1: zero at every step. Units 2 and 3 have +1: alive.
        var direction = model.Network.Layers[0][0];
        for (var unit = 0; unit < 2; unit++)
        {
            direction.InputWeights.Value.AsSpan(unit * 3, 3).Clear();
            direction.RecurrentWeights.Value.AsSpan(unit * 4, 4).Clear();
            direction.InputBias!.Value[unit] = -1;
            direction.RecurrentBias!.Value[unit] = 0;
        }
        for (var unit = 2; unit < 4; unit++)
        {
            direction.InputWeights.Value.AsSpan(unit * 3, 3).Clear();
            direction.RecurrentWeights.Value.AsSpan(unit * 4, 4).Clear();
            direction.InputBias!.Value[unit] = 1;
        }

        loop.TrainBatch(batch);

        Assert.Equal(new SaturationUnit("0", "forward", "relu_dead"), Assert.Single(copy.Units));
        Assert.Equal(0.5, copy.Shares[0]);
    }

    [Fact]
    public void The_global_level_measures_no_detail()
    {
        var (_, loop, batch, copy) = Loop(Options(RecurrentCellKind.Lstm, RecurrentGradientDetail.Global));

        loop.TrainBatch(batch);

        Assert.Empty(copy.Blocks);
        Assert.Empty(copy.Units);
        Assert.Equal(0, copy.Paths);
    }

    [Fact]
    public void The_layer_level_measures_paths_and_saturation_but_no_blocks()
    {
        var (_, loop, batch, copy) = Loop(Options(RecurrentCellKind.Gru, RecurrentGradientDetail.Layer));

        loop.TrainBatch(batch);

        Assert.Empty(copy.Blocks);
        Assert.Equal(2 * 2 * 3, copy.Units.Length); // z, r, tanh per layer and direction
        Assert.Equal(4, copy.Paths);
    }

    [Fact]
    public void The_detail_is_measured_on_the_first_step_and_every_kth_after_and_carried_in_between()
    {
        var options = Options(RecurrentCellKind.Lstm);
        options.GradientDetailEvery = 3;
        var (model, loop, batch, copy) = Loop(options);
        var parameters = model.Network.Parameters;

        loop.TrainBatch(batch);
        var first = (Shares: copy.Shares, Grad: copy.GradNorms, Ratios: copy.UpdateRatios, Path0: copy.Path0Norms,
            Global: copy.GlobalNorms, Record: copy.Record!);
        Assert.Equal(1, copy.DetailStep);
        Assert.Equal(first.Global, first.Path0); // measured together: path layer 0 forward is the global figure

        for (var step = 2; step <= 3; step++)
        {
            loop.TrainBatch(batch);
            // The global figures move on every step; the detail is step 1's, as it was, and says so.
            Assert.Equal(1, copy.DetailStep);
            Assert.NotEqual(first.Global, copy.GlobalNorms);
            Assert.Equal(first.Path0, copy.Path0Norms);
            Assert.Equal(first.Shares, copy.Shares);
            Assert.Equal(first.Grad, copy.GradNorms);
            Assert.Equal(first.Ratios, copy.UpdateRatios);
            var record = copy.Record!;
            Assert.Equal(1, record.DetailStep);
            Assert.Equal(step, record.Step);
            Assert.Equal(GradientJson(first.Record.Paths), GradientJson(record.Paths));
            Assert.NotEqual(first.Record.Log10VanishingRatio, record.Log10VanishingRatio);
            // Carried, not copied: the step's record holds step 1's figures themselves.
            Assert.Same(first.Record.Blocks, record.Blocks);
            Assert.Same(first.Record.Saturation, record.Saturation);
            Assert.Same(first.Record.Paths, record.Paths);
        }

        // Step 4 measures again, exactly: block norms that add up to this step's global norm, update ratios from the
        // weights read around this step's update.
        var before = parameters.ToDictionary(p => p.Name, p => (float[])p.Value.Clone());
        loop.TrainBatch(batch);
        Assert.Equal(4, copy.DetailStep);
        Assert.Equal(4, copy.Record!.DetailStep);
        Assert.NotSame(first.Record.Blocks, copy.Record.Blocks);
        Assert.Equal(copy.GradNorms, copy.Record.Blocks.Select(b => b.GradNorm));
        Assert.Equal(copy.Shares, copy.Record.Saturation.Select(f => f.Share));
        Assert.Equal(copy.GlobalNorms, copy.Path0Norms);
        Assert.NotEqual(first.Grad, copy.GradNorms);
        Assert.Equal(copy.PreClipNorm * copy.PreClipNorm, copy.GradNorms.Sum(n => n * n), 1e-9 * copy.PreClipNorm * copy.PreClipNorm);
        var recurrent = Array.IndexOf(copy.Blocks, new ParameterBlock("1", "reverse", "W_hh", "f"));
        var (names, rows) = Rows(copy.Blocks[recurrent], 4);
        var p = parameters.Single(q => q.Name == Assert.Single(names));
        double change = 0, weights = 0;
        for (var k = rows!.Value.First * 4; k < (rows.Value.First + rows.Value.Count) * 4; k++)
        {
            change += Math.Pow(p.Value[k] - before[p.Name][k], 2);
            weights += Math.Pow(before[p.Name][k], 2);
        }
        var ratio = Math.Sqrt(change / weights);
        Assert.True(Math.Abs(copy.UpdateRatios[recurrent] - ratio) <= 1e-6 * ratio, $"reported {copy.UpdateRatios[recurrent]}, measured {ratio}");

        loop.TrainBatch(batch);
        Assert.Equal(4, copy.DetailStep);
    }

    [Fact]
    public void A_run_resumed_between_two_measurements_measures_its_first_step()
    {
        var options = Options(RecurrentCellKind.Gru, RecurrentGradientDetail.Layer);
        options.GradientDetailEvery = 10;
        options.Epochs = 4; // one batch an epoch: four steps, a checkpoint after each
        var (model, _, batch, _) = Loop(options);
        var data = Data();
        TrainingCheckpoint? checkpoint = null;
        new TrainingLoop(model, options, data, null, null, new CheckpointOptions { Save = c => checkpoint = c }).Run(CancellationToken.None);
        var copy = new SnapshotCopy();
        var resumed = new TrainingLoop(model, options, data, null, copy, new CheckpointOptions { ResumeFrom = checkpoint });

        resumed.TrainBatch(batch);

        // Step 5 is not due (1, 11, 21, …) but its process has measured nothing yet: it measures, rather than show nothing.
        Assert.Equal(5, copy.Record!.Step);
        Assert.Equal(5, copy.DetailStep);
        Assert.All(copy.Shares, share => Assert.InRange(share, 0, 1));
    }

    private static string GradientJson<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, Diagnostics.GradientJson.Options);
}
