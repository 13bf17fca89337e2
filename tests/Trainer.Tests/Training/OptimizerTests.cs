using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

/// <summary>One update of each optimizer against the textbook formulas, computed by hand in double.</summary>
public class OptimizerTests
{
    private static Parameter OneWeight(float value, float gradient)
    {
        var p = new Parameter("w", "W_hh", 1);
        p.Value[0] = value;
        p.Gradient[0] = gradient;
        return p;
    }

    [Fact]
    public void SGD_is_the_seeds_rule_with_weight_decay_added_to_the_gradient()
    {
        var p = OneWeight(2f, 0.5f);
        var sgd = Optimizer.Create(new SequenceModelOptions { Optimizer = RecurrentOptimizerKind.Sgd, WeightDecay = 0.1f }, [p]);
        sgd.Step([p], 0.1f);
        Assert.Equal(2 - 0.1 * (0.5 + 0.1 * 2), p.Value[0], 6);
    }

    [Fact]
    public void Momentum_accumulates_velocity()
    {
        var p = OneWeight(1f, 1f);
        var momentum = Optimizer.Create(new SequenceModelOptions { Optimizer = RecurrentOptimizerKind.Momentum, Momentum = 0.9f }, [p]);
        momentum.Step([p], 0.1f);       // v = 1, w = 0.9
        momentum.Step([p], 0.1f);       // v = 0.9 + 1 = 1.9, w = 0.9 − 0.19
        Assert.Equal(0.71, p.Value[0], 6);
    }

    [Fact]
    public void Adam_takes_bias_corrected_steps()
    {
        var p = OneWeight(1f, 0.5f);
        var adam = Optimizer.Create(new SequenceModelOptions { Optimizer = RecurrentOptimizerKind.Adam }, [p]);
        double w = 1, m = 0, v = 0;
        for (var t = 1; t <= 3; t++)
        {
            var g = t == 2 ? -0.25 : 0.5;
            p.Gradient[0] = (float)g;
            adam.Step([p], 0.01f);
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            w -= 0.01 * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + 1e-8);
            Assert.Equal(w, p.Value[0], 6);
        }
    }

    [Fact]
    public void Adam_gives_every_weight_the_same_bits_whatever_vector_lane_or_tail_updates_it()
    {
        // 53 = 3 × 16 + 5: three 512-bit vectors and a scalar tail; each weight is also updated alone (length 1,
        // scalar only) and must come out identical, and close to the rule evaluated in double.
        const int n = 53;
        var options = new SequenceModelOptions { Optimizer = RecurrentOptimizerKind.Adam, WeightDecay = 0.01f };
        var rng = new Trainer.Data.Synthetic.DeterministicRandom(9);
        var together = new Parameter("w", "W_hh", n);
        var alone = Enumerable.Range(0, n).Select(_ => new Parameter("w", "W_hh", 1)).ToArray();
        for (var i = 0; i < n; i++)
            together.Value[i] = alone[i].Value[0] = (float)rng.NextUniform(-1, 1);
        var adam = Optimizer.Create(options, [together]);
        var adams = alone.Select(p => Optimizer.Create(options, [p])).ToArray();
        var (w, m, v) = (together.Value.Select(x => (double)x).ToArray(), new double[n], new double[n]);
        for (var t = 1; t <= 4; t++)
        {
            for (var i = 0; i < n; i++)
                together.Gradient[i] = alone[i].Gradient[0] = (float)rng.NextUniform(-2, 2);
            adam.Step([together], 0.003f);
            for (var i = 0; i < n; i++)
            {
                adams[i].Step([alone[i]], 0.003f);
                Assert.Equal(alone[i].Value[0], together.Value[i]);
                var g = together.Gradient[i] + 0.01 * w[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                w[i] -= 0.003 * (m[i] / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.999, t))) + 1e-8);
                Assert.True(Math.Abs(w[i] - together.Value[i]) <= 1e-6, $"weight {i} at step {t}: {together.Value[i]} vs {w[i]}");
            }
        }
    }

    [Fact]
    public void Learning_rate_decays_every_epoch()
    {
        var data = EngineFixtures.NumericData(8, 2, [3], HeadKind.Binary, 2, seed: 1);
        var observer = new RecordingObserver();
        new SequenceModelTrainer(new SequenceModelOptions
        {
            HiddenSize = 3,
            Epochs = 3,
            BatchSize = 8,
            LearningRate = 0.1f,
            LearningRateDecay = 0.5f,
        }).Fit(data, observer: observer);
        Assert.Equal([0.1f, 0.05f, 0.025f], observer.Epochs.Select(e => e.LearningRate));
    }

    [Fact]
    public void Early_stopping_stops_after_the_patience_and_restores_the_best_weights()
    {
        // A learning rate far too large makes validation loss worsen after the first epochs.
        var data = EngineFixtures.NumericData(32, 2, [6], HeadKind.Binary, 2, seed: 2);
        var valid = EngineFixtures.NumericData(16, 2, [6], HeadKind.Binary, 2, seed: 3);
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Rnn,
            HiddenSize = 8,
            Epochs = 40,
            BatchSize = 8,
            Optimizer = RecurrentOptimizerKind.Sgd,
            LearningRate = 3f,
            EarlyStoppingPatience = 2,
        };
        var observer = new RecordingObserver();
        var trainer = new SequenceModelTrainer(options);
        var model = trainer.Fit(data, valid, observer);
        var summary = trainer.LastSummary!;
        Assert.True(summary.StoppedEarly, "validation loss should stop improving");
        var losses = observer.Epochs.Select(e => e.ValidationLoss!.Value).ToArray();
        var best = Array.IndexOf(losses, losses.Min());
        Assert.Equal(best + 1 + options.EarlyStoppingPatience, observer.Epochs.Count);
        Assert.Equal(losses.Min(), model.Evaluate(valid).Loss, 6);
    }
}
