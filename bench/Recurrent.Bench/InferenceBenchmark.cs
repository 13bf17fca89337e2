using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Bench;

/// <summary>
/// Inference of one model by the managed engine and by ONNX Runtime (Microsoft.ML.OnnxRuntime, on the model's ONNX
/// export) in the same process: batch-1 latency and batch-64 throughput, one thread each (our
/// <see cref="SequenceModelOptions.Threads"/> = 1, ONNX Runtime's IntraOpNumThreads = 1) and, on a machine of two
/// cores or more, one thread per core each (Threads = 0 and IntraOpNumThreads = cores: both engines' defaults).
/// </summary>
public static class InferenceBenchmark
{
    /// <summary>One thread count's figures: both engines, batch 1 and batch 64.</summary>
    public sealed record Figures(int Threads, double ManagedLatencyMicroseconds, double OnnxLatencyMicroseconds,
        double ManagedSequencesPerSecond, double OnnxSequencesPerSecond);

    /// <summary>The one-thread figures, and those on every core (null on a one-core machine).</summary>
    public sealed record Result(Figures OneThread, Figures? AllCores, string OnnxRuntimeVersion);

    /// <summary><paramref name="count"/> sequences of Gaussian steps, the same for every benchmark that asks.</summary>
    public static SequenceExample[] RandomSequences(int count, int length, int inputSize)
    {
        var rng = new DeterministicRandom(7);
        return Enumerable.Range(0, count).Select(_ => SequenceExample.FromSteps(
            Enumerable.Range(0, length * inputSize).Select(_ => (float)rng.NextGaussian()).ToArray(), inputSize, 0)).ToArray();
    }

    public static Result Run(SequenceModel model, int length, int inputSize, int repetitions)
    {
        var sequences = RandomSequences(1 + 64, length, inputSize);
        SequenceExample[] single = [sequences[0]];
        var batch = sequences[1..];
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-bench-{Guid.NewGuid():N}.onnx");
        var threads = model.Options.Threads;
        try
        {
            model.ExportOnnx(path);
            var oneThread = Measure(model, 1, path, inputSize, single, batch, repetitions);
            var cores = Environment.ProcessorCount;
            // Threads = 0 is our default (one worker per core); ONNX Runtime's default intra-op pool has one thread
            // per core too, given here explicitly so that the figure does not depend on how it counts a VM's cores.
            var allCores = cores > 1 ? Measure(model, 0, path, inputSize, single, batch, repetitions) with { Threads = cores }
                : null;
            return new Result(oneThread, allCores, OrtEnv.Instance().GetVersionString());
        }
        finally
        {
            model.Options.Threads = threads;
            File.Delete(path);
        }
    }

    // Both engines on `threads` threads (0: one per core), alternating round by round.
    private static Figures Measure(SequenceModel model, int threads, string path, int inputSize,
        SequenceExample[] single, SequenceExample[] batch, int repetitions)
    {
        model.Options.Threads = threads;
        using var onnx = new OnnxSession(path, inputSize, threads == 0 ? Environment.ProcessorCount : threads);
        var (managedLatency, onnxLatency) = InterleavedMedians(() => model.PredictBatch(single),
            () => onnx.Predict(single), repetitions);
        // A batch of 64 takes milliseconds: a count of calls alone would make each round a few calls long, so
        // each round also lasts at least BatchRoundMilliseconds per side.
        var (managedBatch, onnxBatch) = InterleavedMedians(() => model.PredictBatch(batch),
            () => onnx.Predict(batch), Math.Max(10, repetitions / 10), BatchRoundMilliseconds);
        return new Figures(threads, managedLatency, onnxLatency, 64e6 / managedBatch, 64e6 / onnxBatch);
    }

    internal const double BatchRoundMilliseconds = 50;

    // Medians of many timed calls of each, after a warm-up, taken in alternating rounds: this machine's speed drifts
    // by tens of percent from one second to the next, and alternating puts both sides through the same drift. A round
    // holds repetitions / 10 calls of each side, or as many as the slower side needs to last minimumRoundMilliseconds
    // (as timed in the warm-up). Between one side's round and the other's the benchmark sleeps a moment: a thread
    // pool that spins after its last call (ONNX Runtime's, by default) would otherwise run on a core during the
    // other side's first calls.
    internal static (double First, double Second) InterleavedMedians(Action first, Action second, int repetitions,
        double minimumRoundMilliseconds = 0)
    {
        const int rounds = 10;
        var perRound = Math.Max(1, repetitions / rounds);
        double slowerCall = 0;
        for (var i = 0; i < Math.Max(3, perRound); i++)
        {
            var start = Stopwatch.GetTimestamp();
            first();
            var middle = Stopwatch.GetTimestamp();
            second();
            // The last (warmest) pair decides.
            slowerCall = Math.Max(Stopwatch.GetElapsedTime(start, middle).TotalMilliseconds,
                Stopwatch.GetElapsedTime(middle).TotalMilliseconds);
        }
        if (minimumRoundMilliseconds > 0 && slowerCall > 0)
            perRound = Math.Max(perRound, (int)Math.Ceiling(minimumRoundMilliseconds / slowerCall));
        var (a, b) = (new List<double>(), new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            Time(first, perRound, a);
            Thread.Sleep(SettleMilliseconds);
            Time(second, perRound, b);
            Thread.Sleep(SettleMilliseconds);
        }
        return (Median(a), Median(b));
    }

    private const int SettleMilliseconds = 5;

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

    /// <summary>
    /// The exported model in ONNX Runtime as a caller would run it, <c>threads</c> threads inside each operator
    /// (intra-op) and one between operators: each call
    /// packs the sequences into the input tensor, runs, and takes each row's most probable class, as the managed
    /// engine's <see cref="SequenceModel.PredictBatch"/> does.
    /// </summary>
    internal sealed class OnnxSession : IDisposable
    {
        private static readonly string[] InputNames = [SequenceModelOnnxExport.Input, SequenceModelOnnxExport.Lengths];
        private static readonly string[] OutputNames = ["probabilities"];
        private readonly InferenceSession _session;
        private readonly RunOptions _run = new();
        private readonly int _inputSize;

        public OnnxSession(string path, int inputSize, int threads = 1)
        {
            using var options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            _session = new InferenceSession(path, options);
            _inputSize = inputSize;
        }

        public int[] Predict(IReadOnlyList<SequenceExample> sequences)
        {
            var batch = sequences.Count;
            var steps = sequences.Max(s => s.Length);
            var values = new float[batch * steps * _inputSize];
            for (var b = 0; b < batch; b++)
                sequences[b].Features!.CopyTo(values, b * steps * _inputSize);
            var lengths = sequences.Select(s => s.Length).ToArray();
            using var input = OrtValue.CreateTensorValueFromMemory(values, [batch, steps, _inputSize]);
            using var lengthsValue = OrtValue.CreateTensorValueFromMemory(lengths, [batch]);
            using var outputs = _session.Run(_run, InputNames, [input, lengthsValue], OutputNames);
            var probabilities = outputs[0].GetTensorDataAsSpan<float>();
            var classes = probabilities.Length / batch;
            var best = new int[batch];
            for (var b = 0; b < batch; b++)
            {
                var row = probabilities.Slice(b * classes, classes);
                for (var c = 1; c < classes; c++)
                {
                    if (row[c] > row[best[b]])
                        best[b] = c;
                }
            }
            return best;
        }

        public void Dispose()
        {
            _session.Dispose();
            _run.Dispose();
        }
    }
}
