using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Engine;

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
    public void SgdIsTheSeedsRuleWithWeightDecayAddedToTheGradient()
    {
        var p = OneWeight(2f, 0.5f);
        var sgd = Optimizer.Create(new SequenceClassifierOptions { Optimizer = OptimizerKind.Sgd, WeightDecay = 0.1f }, [p]);
        sgd.Step([p], 0.1f);
        Assert.Equal(2 - 0.1 * (0.5 + 0.1 * 2), p.Value[0], 6);
    }

    [Fact]
    public void MomentumAccumulatesVelocity()
    {
        var p = OneWeight(1f, 1f);
        var momentum = Optimizer.Create(new SequenceClassifierOptions { Optimizer = OptimizerKind.Momentum, Momentum = 0.9f }, [p]);
        momentum.Step([p], 0.1f);       // v = 1, w = 0.9
        momentum.Step([p], 0.1f);       // v = 0.9 + 1 = 1.9, w = 0.9 − 0.19
        Assert.Equal(0.71, p.Value[0], 6);
    }

    [Fact]
    public void AdamTakesBiasCorrectedSteps()
    {
        var p = OneWeight(1f, 0.5f);
        var adam = Optimizer.Create(new SequenceClassifierOptions { Optimizer = OptimizerKind.Adam }, [p]);
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
    public void LearningRateDecaysEveryEpoch()
    {
        var data = EngineFixtures.NumericData(8, 2, [3], HeadKind.Binary, 2, seed: 1);
        var observer = new RecordingObserver();
        new SequenceClassifierTrainer(new SequenceClassifierOptions
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
    public void EarlyStoppingStopsAfterThePatienceAndRestoresTheBestWeights()
    {
        // A learning rate far too large makes validation loss worsen after the first epochs.
        var data = EngineFixtures.NumericData(32, 2, [6], HeadKind.Binary, 2, seed: 2);
        var valid = EngineFixtures.NumericData(16, 2, [6], HeadKind.Binary, 2, seed: 3);
        var options = new SequenceClassifierOptions
        {
            Cell = CellKind.Rnn,
            HiddenSize = 8,
            Epochs = 40,
            BatchSize = 8,
            Optimizer = OptimizerKind.Sgd,
            LearningRate = 3f,
            EarlyStoppingPatience = 2,
        };
        var observer = new RecordingObserver();
        var trainer = new SequenceClassifierTrainer(options);
        var model = trainer.Fit(data, valid, observer);
        var summary = trainer.LastSummary!;
        Assert.True(summary.StoppedEarly, "validation loss should stop improving");
        var losses = observer.Epochs.Select(e => e.ValidationLoss!.Value).ToArray();
        var best = Array.IndexOf(losses, losses.Min());
        Assert.Equal(best + 1 + options.EarlyStoppingPatience, observer.Epochs.Count);
        Assert.Equal(losses.Min(), model.Evaluate(valid).Loss, 6);
    }
}
