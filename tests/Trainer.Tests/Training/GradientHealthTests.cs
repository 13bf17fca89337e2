using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Analysis;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

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
    public void Tanh_RNN_on_temporal_order_100_loses_the_gradient_over_the_sequence()
    {
        var data = Data("temporal-order:100", 320);
        var observer = new VanishingObserver();
        new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Rnn,
            HiddenSize = 32,
            Epochs = 1,
            BatchSize = 32,
            ClipNorm = 1f,
        }).Fit(data.Train, observer: observer);
        var median = observer.Log10Ratios.Order().ElementAt(observer.Log10Ratios.Count / 2);
        Assert.True(median < -3, $"median log10 g_1/g_T = {median:F2}, expected below -3");
    }

    [Fact]
    public void Trained_LSTM_on_temporal_order_keeps_the_gradient()
    {
        var data = Data("temporal-order:50", 3000);
        var observer = new VanishingObserver();
        var model = new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Lstm,
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

    // Records, at every step, the largest factor one step back multiplied any sample's adjoint by, and γ·σ_max of
    // the W_hh the snapshot carries, σ_max converged by power iteration.
    private sealed class JacobianBoundObserver : ITrainingObserver
    {
        private readonly SpectralNormEstimator _spectralNorm = new(60);

        public List<double> Margins { get; } = [];

        public void OnStep(StepReport step)
        {
            var snapshot = step.Snapshot;
            var largest = double.NegativeInfinity;
            for (var b = 0; b < snapshot.BatchSize; b++)
            {
                var norms = snapshot.AdjointNormsOf(b);
                for (var t = 0; t + 1 < norms.Length; t++)
                {
                    if (norms[t + 1] > 1e-30f)
                        largest = Math.Max(largest, Math.Log10(norms[t] / (double)norms[t + 1]));
                }
            }
            Margins.Add(Math.Log10(_spectralNorm.EstimateBound(snapshot.RecurrentWeights[0])) - largest);
        }

        public void OnEpoch(EpochReport epoch)
        {
        }
    }

    [Theory]
    [InlineData(RecurrentActivation.Sigmoid)]
    [InlineData(RecurrentActivation.Tanh)]
    public void No_step_multiplies_the_adjoint_by_more_than_the_bound_of_the_weights_it_ran_with(RecurrentActivation activation)
    {
        // Adam at 0.03 moves every weight by about 0.03 per step, enough to change σ_max(W_hh) by a factor of two:
        // the bound only holds for the W_hh of the forward pass, not for the updated one observers see afterwards.
        var data = Data("temporal-order:50", 2000);
        var observer = new JacobianBoundObserver();
        new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Rnn,
            Activation = activation,
            HiddenSize = 32,
            Epochs = 8,
            BatchSize = 32,
            LearningRate = 0.03f,
        }).Fit(data.Train, observer: observer);
        Assert.Equal(8 * 63, observer.Margins.Count);
        Assert.True(observer.Margins.Min() > -1e-4, $"smallest margin {observer.Margins.Min():F4} decades");
    }

    [Fact]
    public void Observers_get_the_recurrent_weights_the_forward_pass_used_not_the_updated_ones()
    {
        var data = Data("temporal-order:50", 96);
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Rnn, HiddenSize = 8, Epochs = 1, BatchSize = 32 };
        var model = new SequenceModelTrainer(options).Initialize(data.Train);
        var live = model.Parameters.Single(p => p.Name == "layer0.W_hh").Value;
        var beforeStep = (float[])live.Clone();
        var steps = 0;
        var observer = new DelegateObserver(report =>
        {
            Assert.Equal(beforeStep, report.Snapshot.RecurrentWeights[0].Weights.ToArray());
            Assert.NotEqual(beforeStep, live);
            beforeStep = (float[])live.Clone();
            steps++;
        });
        new TrainingLoop(model, options, data.Train, null, observer).Run(CancellationToken.None);
        Assert.Equal(3, steps);
    }

    private sealed class DelegateObserver(Action<StepReport> onStep) : ITrainingObserver
    {
        public void OnStep(StepReport step) => onStep(step);

        public void OnEpoch(EpochReport epoch)
        {
        }
    }

    [Fact]
    public void IRNN_with_a_large_learning_rate_explodes_and_norm_clipping_tames_it()
    {
        var data = Data("adding:50", 320);
        SequenceModelOptions Options(float? clip) => new()
        {
            Cell = RecurrentCellKind.Rnn,
            Activation = RecurrentActivation.Relu,
            RecurrentInit = RecurrentInit.Identity,
            HiddenSize = 32,
            Optimizer = RecurrentOptimizerKind.Sgd,
            LearningRate = 1f,
            Epochs = 2,
            BatchSize = 32,
            ClipNorm = clip,
        };
        var unclipped = new VanishingObserver();
        new SequenceModelTrainer(Options(null)).Fit(data.Train, observer: unclipped);
        Assert.True(unclipped.NonFinite > 0 || unclipped.Norms.Max() > 1e3,
            $"expected exploding norms or non-finite steps; largest norm {unclipped.Norms.Max():G3}, non-finite {unclipped.NonFinite}");

        var clipped = new VanishingObserver();
        new SequenceModelTrainer(Options(1f)).Fit(data.Train, observer: clipped);
        Assert.True(clipped.Clipped > 0, "norm clipping should fire");
        Assert.Equal(0, clipped.NonFinite);
    }
}
