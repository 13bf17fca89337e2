using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Bench;

/// <summary>
/// One inference engine on request, alone in its process, for a driver that alternates it with the other engine's
/// process in short turns (bench/targets.py): a user runs one engine per process, and ONNX Runtime's intra-op pool,
/// which spins on every core for a while after its calls, would otherwise run during our calls (and ours during its).
/// The process builds the benchmark's random model (the same in every process: seeded) and, for ONNX Runtime, opens
/// its ONNX export; then each line "batch1 SECONDS" or "batch64 SECONDS" on standard input times calls of that batch
/// (the <see cref="InferenceBenchmark.RandomSequences"/> the in-process benchmark uses) until SECONDS have passed and at
/// least <see cref="MinimumCalls"/> calls were made, and answers one line of JSON with the median call time. The first
/// request of each batch size makes one untimed call first (JIT, buffers). An empty line or the end of input ends it.
/// </summary>
internal static class InferenceServer
{
    internal const int MinimumCalls = 3;

    public static int Serve(SequenceModelOptions options, string? engine, int length, int inputSize, TextReader input,
        TextWriter output)
    {
        if (engine is not ("managed" or "onnxruntime"))
        {
            Console.Error.WriteLine($"recurrent bench --inference --serve: --engine must be managed or onnxruntime, got '{engine}'.");
            return 2;
        }
        var threads = options.Threads;
        if (threads < 0)
        {
            Console.Error.WriteLine($"recurrent bench --inference --serve: --threads must be 0 (one per core) or more, got {threads}.");
            return 2;
        }
        // Our Threads = 0 is one worker per core; ONNX Runtime is given that count explicitly, as in the in-process
        // benchmark, so that the figure does not depend on how it counts a VM's cores.
        var workers = threads == 0 ? Environment.ProcessorCount : threads;
        var model = TrainingBenchmark.RandomModel(options, length, inputSize);
        model.Options.Threads = threads;
        using var onnx = engine == "onnxruntime" ? Open(model, inputSize, workers) : null;
        Action<IReadOnlyList<SequenceExample>> predict = onnx is null ? s => model.PredictBatch(s) : s => onnx.Predict(s);
        var sequences = InferenceBenchmark.RandomSequences(1 + 64, length, inputSize);
        var batches = new Dictionary<string, SequenceExample[]> { ["batch1"] = [sequences[0]], ["batch64"] = sequences[1..] };
        var warm = new HashSet<string>();
        while (input.ReadLine() is { Length: > 0 } line)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2 || !batches.TryGetValue(fields[0], out var batch)
                || !double.TryParse(fields[1], CultureInfo.InvariantCulture, out var seconds) || !(seconds is > 0 and <= 600))
            {
                Console.Error.WriteLine($"recurrent bench --inference --serve: expected 'batch1 SECONDS' or 'batch64 SECONDS' (0 < SECONDS <= 600), got '{line}'.");
                return 2;
            }
            if (warm.Add(fields[0]))
                predict(batch);
            var times = new List<double>();
            var start = Stopwatch.GetTimestamp();
            while (times.Count < MinimumCalls || Stopwatch.GetElapsedTime(start).TotalSeconds < seconds)
            {
                var call = Stopwatch.GetTimestamp();
                predict(batch);
                times.Add(Stopwatch.GetElapsedTime(call).TotalMicroseconds);
            }
            times.Sort();
            var median = times[times.Count / 2];
            output.WriteLine(JsonSerializer.Serialize(new
            {
                engine,
                threads,
                worker_threads = workers,
                batch = batch.Length,
                calls = times.Count,
                seconds = Stopwatch.GetElapsedTime(start).TotalSeconds,
                median_us = median,
                fastest_us = times[0],
                sequences_per_second = batch.Length * 1e6 / median,
                onnxruntime_version = onnx is null ? null : OrtEnv.Instance().GetVersionString(),
            }));
            output.Flush();
        }
        return 0;
    }

    // ONNX Runtime reads the file when the session opens: the export is deleted right after.
    private static InferenceBenchmark.OnnxSession Open(SequenceModel model, int inputSize, int threads)
    {
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-bench-serve-{Guid.NewGuid():N}.onnx");
        try
        {
            model.ExportOnnx(path);
            return new InferenceBenchmark.OnnxSession(path, inputSize, threads);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
