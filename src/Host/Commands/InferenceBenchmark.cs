using System.Diagnostics;
using Recurrent.Host.Service.Predictions;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Commands;

/// <summary>
/// Inference of one model by the managed engine and by ONNX Runtime (Microsoft.ML.OnnxRuntime, on the model's ONNX
/// export), one thread each, in the same process: batch-1 latency and batch-64 throughput.
/// </summary>
internal static class InferenceBenchmark
{
    public sealed record Result(double ManagedLatencyMicroseconds, double OnnxLatencyMicroseconds,
        double ManagedSequencesPerSecond, double OnnxSequencesPerSecond, string OnnxRuntimeVersion);

    public static Result Run(SequenceClassifier model, int length, int inputSize, int repetitions)
    {
        var rng = new DeterministicRandom(7);
        SequenceExample Sequence() => SequenceExample.FromSteps(
            Enumerable.Range(0, length * inputSize).Select(_ => (float)rng.NextGaussian()).ToArray(), inputSize, 0);
        SequenceExample[] single = [Sequence()];
        var batch = Enumerable.Range(0, 64).Select(_ => Sequence()).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-bench-{Guid.NewGuid():N}.onnx");
        try
        {
            model.ExportOnnx(path);
            using var onnx = OnnxPredictor.Open(path, intraOpThreads: 1);
            var (managedLatency, onnxLatency) = InterleavedMedians(() => model.PredictBatch(single),
                () => onnx.PredictBatch(single), repetitions);
            var (managedBatch, onnxBatch) = InterleavedMedians(() => model.PredictBatch(batch),
                () => onnx.PredictBatch(batch), Math.Max(10, repetitions / 10));
            return new Result(managedLatency, onnxLatency, 64e6 / managedBatch, 64e6 / onnxBatch,
                Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Medians of many timed calls of each, after a warm-up, taken in alternating rounds: this machine's speed drifts
    // by tens of percent from one second to the next, and alternating puts both sides through the same drift.
    private static (double First, double Second) InterleavedMedians(Action first, Action second, int repetitions)
    {
        const int rounds = 10;
        var perRound = Math.Max(1, repetitions / rounds);
        for (var i = 0; i < Math.Max(3, perRound); i++)
        {
            first();
            second();
        }
        var (a, b) = (new List<double>(), new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            Time(first, perRound, a);
            Time(second, perRound, b);
        }
        return (Median(a), Median(b));
    }

    private static void Time(Action action, int count, List<double> times)
    {
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
    }

    private static double Median(List<double> times)
    {
        times.Sort();
        return times[times.Count / 2];
    }
}
