using System.Diagnostics;
using Recurrent.Host.OnnxRuntime;
using Recurrent.Host.Serving;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Cli;

/// <summary>
/// Inference of one model by the managed engine and by ONNX Runtime (through our binding, on the model's ONNX
/// export), one thread each, in the same process: batch-1 latency and batch-64 throughput.
/// </summary>
internal static class InferenceBenchmark
{
    public sealed record Result(double ManagedLatencyMicroseconds, double OnnxLatencyMicroseconds,
        double ManagedSequencesPerSecond, double OnnxSequencesPerSecond);

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
            using var environment = new OnnxRuntimeEnvironment();
            using var onnx = OnnxPredictor.Open(environment, path, new OnnxSessionOptions { IntraOpThreads = 1 });
            var managedLatency = MedianMicroseconds(() => model.PredictBatch(single), repetitions);
            var onnxLatency = MedianMicroseconds(() => onnx.PredictBatch(single), repetitions);
            var batchRepetitions = Math.Max(3, repetitions / 20);
            var managedBatch = MedianMicroseconds(() => model.PredictBatch(batch), batchRepetitions);
            var onnxBatch = MedianMicroseconds(() => onnx.PredictBatch(batch), batchRepetitions);
            return new Result(managedLatency, onnxLatency, 64e6 / managedBatch, 64e6 / onnxBatch);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // The median of many timed calls after a warm-up, so one descheduling does not move the figure.
    private static double MedianMicroseconds(Action action, int repetitions)
    {
        for (var i = 0; i < Math.Max(5, repetitions / 10); i++)
            action();
        var times = new double[repetitions];
        for (var i = 0; i < repetitions; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(times);
        return times[repetitions / 2];
    }
}
