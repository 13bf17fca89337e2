using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

/// <summary>The learning-rate warm-up: step s of the first W uses η·s/W, then η.</summary>
public sealed class WarmupTests
{
    private sealed class Rates : ITrainingObserver
    {
        public List<float> Used { get; } = [];

        public void OnStep(StepReport step) => Used.Add(step.LearningRate);

        public void OnEpoch(EpochReport epoch)
        {
        }
    }

    private static SequenceDataset Data() => EngineFixtures.NumericData(8, 2, [4, 3, 5, 2, 4, 3, 5, 2], HeadKind.Binary, 2, seed: 1);

    [Fact]
    public void The_learning_rate_rises_linearly_over_the_warm_up_then_stays()
    {
        var rates = new Rates();
        var options = new SequenceModelOptions { HiddenSize = 3, BatchSize = 2, Epochs = 2, LearningRate = 0.02f, LearningRateWarmupSteps = 4 };

        new SequenceModelTrainer(options).Fit(Data(), null, rates);

        Assert.Equal([0.005f, 0.01f, 0.015f, 0.02f, 0.02f, 0.02f, 0.02f, 0.02f], rates.Used);
    }

    [Fact]
    public void The_first_warm_up_step_is_the_update_of_a_rate_divided_by_the_warm_up()
    {
        static float[][] Weights(float learningRate, int warmup) =>
            [.. new SequenceModelTrainer(new SequenceModelOptions
            {
                Cell = RecurrentCellKind.Gru, HiddenSize = 3, BatchSize = 8, Optimizer = RecurrentOptimizerKind.Sgd,
                LearningRate = learningRate, LearningRateWarmupSteps = warmup, MaxSteps = 1,
            }).Fit(Data()).Parameters.Select(p => p.Value.ToArray())];

        var warmed = Weights(0.1f, warmup: 4);
        var plain = Weights(0.025f, warmup: 0);
        var untouched = Weights(0.1f, warmup: 0);

        Assert.Equal(plain, warmed);
        Assert.NotEqual(untouched, warmed);
    }

    [Fact]
    public void A_negative_warm_up_is_refused_naming_the_option()
    {
        var error = Assert.Throws<ArgumentException>(() => new SequenceModelOptions { LearningRateWarmupSteps = -1 }.Validate());

        Assert.Equal(nameof(SequenceModelOptions.LearningRateWarmupSteps), error.ParamName);
        Assert.StartsWith("SequenceModelOptions.LearningRateWarmupSteps must not be negative.", error.Message, StringComparison.Ordinal);
    }
}
