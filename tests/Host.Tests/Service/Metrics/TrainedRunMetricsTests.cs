using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Metrics;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Tests.Service.Metrics;

/// <summary>A real training run, watched by the service's monitor and scraped from the real /metrics.</summary>
public sealed class TrainedRunMetricsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_trained_sequence_is_counted_whether_or_not_adjoint_norms_are_collected(bool collectAdjointNorms)
    {
        var splits = DatasetLoader.Load("temporal-order:20", options: new DatasetOptions { Count = 200 });
        using var metrics = new TrainingMetrics();
        using var endpoint = new MetricsEndpoint(metrics);
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Rnn,
            HiddenSize = 4,
            Epochs = 2,
            BatchSize = 16,
            Seed = 1,
            ClipNorm = 0.01f,
            CollectAdjointNorms = collectAdjointNorms,
        };

        new SequenceModelTrainer(options).Fit(splits.Train, null, new GradientMonitor(metrics, "run"));

        var text = endpoint.Text();
        var steps = (splits.Train.Count + 15) / 16 * 2;
        Assert.Contains($"\nrecurrent_train_sequences_total{{run=\"run\"}} {2 * splits.Train.Count}\n", text);
        Assert.Contains($"\nrecurrent_train_steps_total{{run=\"run\"}} {steps}\n", text);
        // A threshold this low clips every step, and the counter says so.
        Assert.Contains($"\nrecurrent_grad_clipped_steps_total{{run=\"run\"}} {steps}\n", text);
        Assert.Equal(collectAdjointNorms, text.Contains("\nrecurrent_grad_memory_horizon_steps{run=\"run\"}", StringComparison.Ordinal));
    }
}
