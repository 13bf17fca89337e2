using System.Diagnostics;
using System.Text.Json;
using Recurrent.Trainer;

namespace Recurrent.Bench;

/// <summary>
/// Training steps on request, for a driver that alternates them with an anchor in short turns (bench/targets.py):
/// one process keeps a training loop per thread count warm (JIT, caches, packed weights), so that a turn of a few
/// tenths of a second measures the steps and nothing of a process's start. Each line of standard input,
/// "THREADS SECONDS", trains whole steps on that many threads (0: one per core) until at least SECONDS have passed
/// (at least one step) and answers one line of JSON: the steps, their wall and process CPU seconds and GFLOP/s
/// (<see cref="TrainingBenchmark.Run"/>'s operation count). An empty line or the end of input ends the session.
/// </summary>
internal static class TrainingServer
{
    public static int Serve(SequenceModelOptions options, int length, int inputSize, int batchSize, TextReader input,
        TextWriter output)
    {
        var loops = new Dictionary<int, TrainingBenchmark.Session>();
        while (input.ReadLine() is { Length: > 0 } line)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2 || !int.TryParse(fields[0], out var threads) || threads < 0
                || !double.TryParse(fields[1], System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                || !(seconds is > 0 and <= 600))
            {
                Console.Error.WriteLine($"recurrent bench --serve: expected 'THREADS SECONDS' (THREADS >= 0, 0 < SECONDS <= 600), got '{line}'.");
                return 2;
            }
            if (!loops.TryGetValue(threads, out var session))
            {
                var run = options.Clone();
                run.Threads = threads;
                loops[threads] = session = TrainingBenchmark.Start(run, length, inputSize, batchSize);
            }
            var cpuBefore = Environment.CpuUsage.TotalTime;
            var start = Stopwatch.GetTimestamp();
            var steps = 0;
            do
            {
                session.Step();
                steps++;
            }
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
            output.WriteLine(JsonSerializer.Serialize(new
            {
                threads,
                steps,
                seconds = elapsed,
                cpu_seconds = cpu,
                gflops = session.FlopsPerStep * steps / elapsed / 1e9,
                sequences_per_second = steps * batchSize / elapsed,
            }));
            output.Flush();
        }
        return 0;
    }
}
