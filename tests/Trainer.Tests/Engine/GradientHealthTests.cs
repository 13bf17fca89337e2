using Recurrent.Diagnostics;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Engine;

/// <summary>
/// The seeds' claims, measured by the diagnostics on real training runs. Thresholds are calibrated (and stated in
/// the README); the direction of each claim is fixed: tanh RNNs lose the gradient over long spans, LSTMs keep it,
/// ReLU with identity recurrence and a large learning rate explodes, and norm clipping tames it.
/// </summary>
public class GradientHealthTests
{
    private sealed class VanishingObserver : ITrainingObserver
    {
        private readonly GradientAnalysis _analysis = new();

        public List<double> Log10Ratios { get; } = [];

        public List<double> Norms { get; } = [];

        public int NonFinite { get; private set; }

        public int Clipped { get; private set; }

        public void OnStep(StepReport step)
        {
            Norms.Add(step.Snapshot.PreClipNorm);
            if (step.Snapshot.NonFinite)
                NonFinite++;
            if (step.Snapshot.Clipped)
                Clipped++;
            var result = _analysis.Analyze(step.Snapshot);
            if (result.HasRatios)
                Log10Ratios.Add(result.MedianLog10VanishingRatio);
        }

        public void OnEpoch(EpochReport epoch)
        {
        }
    }

    private static DatasetSplits Data(string spec, int count) =>
        DatasetLoader.Load(spec, options: new DatasetOptions { Seed = 1, Count = count, EvaluationCount = 200 });

    [Fact]
    public void TanhRnnOnTemporalOrder100LosesTheGradientOverTheSequence()
    {
        var data = Data("temporal-order:100", 320);
        var observer = new VanishingObserver();
        new SequenceClassifierTrainer(new SequenceClassifierOptions
        {
            Cell = CellKind.Rnn,
            HiddenSize = 32,
            Epochs = 1,
            BatchSize = 32,
            ClipNorm = 1f,
        }).Fit(data.Train, observer: observer);
        var median = observer.Log10Ratios.Order().ElementAt(observer.Log10Ratios.Count / 2);
        Assert.True(median < -3, $"median log10 g_1/g_T = {median:F2}, expected below -3");
    }

    [Fact]
    public void TrainedLstmOnTemporalOrderKeepsTheGradient()
    {
        var data = Data("temporal-order:50", 3000);
        var observer = new VanishingObserver();
        var model = new SequenceClassifierTrainer(new SequenceClassifierOptions
        {
            Cell = CellKind.Lstm,
            HiddenSize = 32,
            Epochs = 4,
            BatchSize = 32,
            LearningRate = 0.005f,
            ClipNorm = 1f,
        }).Fit(data.Train, observer: observer);
        var accuracy = model.Evaluate(data.Test!).Accuracy;
        Assert.True(accuracy > 0.95, $"the LSTM should solve temporal-order:50, test accuracy {accuracy:P1}");
        var lastEpoch = observer.Log10Ratios.TakeLast(50).Order().ToArray();
        var median = lastEpoch[lastEpoch.Length / 2];
        Assert.True(median > -2, $"median log10 g_1/g_T once trained = {median:F2}, expected above -2");
    }

    [Fact]
    public void IrnnWithALargeLearningRateExplodesAndNormClippingTamesIt()
    {
        var data = Data("adding:50", 320);
        SequenceClassifierOptions Options(float? clip) => new()
        {
            Cell = CellKind.Rnn,
            Activation = Activation.Relu,
            RecurrentInit = RecurrentInit.Identity,
            HiddenSize = 32,
            Optimizer = OptimizerKind.Sgd,
            LearningRate = 1f,
            Epochs = 2,
            BatchSize = 32,
            ClipNorm = clip,
        };
        var unclipped = new VanishingObserver();
        new SequenceClassifierTrainer(Options(null)).Fit(data.Train, observer: unclipped);
        Assert.True(unclipped.NonFinite > 0 || unclipped.Norms.Max() > 1e3,
            $"expected exploding norms or non-finite steps; largest norm {unclipped.Norms.Max():G3}, non-finite {unclipped.NonFinite}");

        var clipped = new VanishingObserver();
        new SequenceClassifierTrainer(Options(1f)).Fit(data.Train, observer: clipped);
        Assert.True(clipped.Clipped > 0, "norm clipping should fire");
        Assert.Equal(0, clipped.NonFinite);
    }
}
