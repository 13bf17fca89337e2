using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Commands;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Tests.Service.Metrics;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Tests.Training;

/// <summary>
/// The service (a live run), the command line (its progress line with <c>--metrics-port</c>) and the ML.NET trainer
/// (its epoch log with <see cref="RecurrentTrainerOptions.Metrics"/>) turn the same training into the same step
/// records and the same exported series: each feeds the one <see cref="GradientMonitor"/>.
/// </summary>
public sealed class GradientMonitorTests
{
    private const int Epochs = 2;

    [Fact]
    public void The_service_the_command_line_and_MLNet_record_the_same_steps_and_metrics()
    {
        var service = Train(metrics =>
        {
            var live = new LiveRun(1, "run", Epochs, metrics, historySteps: 1000, CancellationToken.None);
            return (live, () => live.Progress.Last!);
        });
        var commandLine = Train(metrics =>
        {
            var monitor = new GradientMonitor(metrics, "run");
            return (new ProgressReporter(new StringWriter(), Epochs, interactive: false, monitor: monitor), () => monitor.Last!);
        });
        var log = new List<string>();
        var mlnet = Train(metrics =>
        {
            var context = new MLContext(seed: 1);
            context.Log += (_, e) =>
            {
                if (e.Message.Contains("Recurrent epoch", StringComparison.Ordinal))
                    log.Add(e.Message);
            };
            var observer = new EpochLogObserver(((IChannelProvider)context).Start("test"),
                new RecurrentTrainerOptions { Epochs = Epochs, Metrics = metrics, RunId = "run" });
            return (observer, () => observer.Monitor.Last!);
        });

        // Not a vacuous comparison: steps were clipped, and their vanishing ratios were analysed.
        Assert.Equal((200 + 15) / 16 * Epochs, service.Records.Count);
        Assert.Contains(service.Records, r => r.Clipped);
        Assert.Contains(service.Records, r => !r.Clipped);
        Assert.All(service.Records, r => Assert.NotNull(r.Log10VanishingRatio));
        Assert.Equal(Describe(service.Records), Describe(commandLine.Records));
        Assert.Equal(Describe(service.Records), Describe(mlnet.Records));
        Assert.Contains("recurrent_grad_vanishing_log10_ratio{run=\"run\"}", service.Metrics, StringComparison.Ordinal);
        Assert.Equal(service.Metrics, commandLine.Metrics);
        Assert.Equal(service.Metrics, mlnet.Metrics);

        // The ML.NET epoch line shows the monitor's tally of the last epoch.
        var last = service.Records.Where(r => r.Epoch == Epochs).ToList();
        var clipRate = 100.0 * last.Count(r => r.Clipped) / last.Count;
        Assert.Equal(Epochs, log.Count);
        Assert.Contains(FormattableString.Invariant($"clip rate {clipRate:F1}%"), log[^1], StringComparison.Ordinal);
    }

    private static (List<GradientRecord> Records, string Metrics) Train(
        Func<TrainingMetrics, (ITrainingObserver Surface, Func<GradientRecord> Last)> surface)
    {
        var splits = DatasetLoader.Load("temporal-order:12", options: new DatasetOptions { Count = 200, Seed = 3 });
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 6,
            Epochs = Epochs,
            BatchSize = 16,
            Seed = 1,
            ClipNorm = 0.4f,
        };
        using var metrics = new TrainingMetrics();
        using var endpoint = new MetricsEndpoint(metrics);
        var (observer, last) = surface(metrics);
        var capture = new Capture(observer, last);
        new SequenceModelTrainer(options).Fit(splits.Train, null, capture);
        // Step durations are the machine's, not the monitor's: the one series that differs between runs.
        var text = string.Join('\n', endpoint.Text().Split('\n')
            .Where(line => !line.Contains(MetricNames.TrainStepDuration, StringComparison.Ordinal)));
        return (capture.Records, text);
    }

    private static readonly JsonSerializerOptions NamedNonFinite = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Everything a record carries but the step's wall time.</summary>
    private static List<string> Describe(List<GradientRecord> records) =>
    [
        .. records.Select(r => JsonSerializer.Serialize(r, GradientJson.Options) +
            JsonSerializer.Serialize(new { r.Sequences, r.ClippedSteps, r.NonFiniteSteps, r.GlobalNormThreshold, r.DecayLog10PerStep, r.GroupNorms, r.JacobianBounds }, NamedNonFinite)),
    ];

    /// <summary>Passes every call on to the surface, then keeps the record its monitor made of the step.</summary>
    private sealed class Capture(ITrainingObserver surface, Func<GradientRecord> last) : ITrainingObserver
    {
        public List<GradientRecord> Records { get; } = [];

        public void OnStep(StepReport step)
        {
            surface.OnStep(step);
            Records.Add(last());
        }

        public void OnEpoch(EpochReport epoch) => surface.OnEpoch(epoch);
    }
}
