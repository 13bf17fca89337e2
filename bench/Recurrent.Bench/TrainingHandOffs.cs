using System.Diagnostics;
using System.Globalization;
using Recurrent.Trainer;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Bench;

/// <summary>
/// The hand-offs of a two-thread training step (RECURRENT_EXPERIMENT=handoffs; EXP_CELL, EXP_H, EXP_ROUNDS): first
/// each hand-off of a step timed (<see cref="HandOffLog"/>: how long it took, its longest part, how late its last
/// part started, how long the caller waited after the last part ended), with the run's step helpers
/// (<see cref="StepWorkers"/>) and with the thread pool; then whole steps of the two and of one thread, alternating
/// in turns of a few steps in one process: medians of wall and process CPU time, and the helpers' step over the pool's, round
/// by round.
/// </summary>
internal static class TrainingHandOffs
{
    // Steps back to back in one turn, as a run takes them (a helper spins from one step into the next).
    private const int TurnSteps = 4;

    public static int Run()
    {
        var cell = Environment.GetEnvironmentVariable("EXP_CELL") ?? "lstm";
        var hidden = int.Parse(Environment.GetEnvironmentVariable("EXP_H") ?? "128", CultureInfo.InvariantCulture);
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "200", CultureInfo.InvariantCulture);
        var (length, input) = hidden == 512 ? (100, 64) : (28, 28);
        const int batch = 64;
        var threads = Math.Max(2, Environment.ProcessorCount);
        // EXP_SPINS: the helpers' spins to compare, in microseconds (0: block at once).
        var spins = (Environment.GetEnvironmentVariable("EXP_SPINS") ?? "0").Split(',')
            .Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        string[] names = [.. spins.Select(spin => $"helpers {spin} µs"), "thread pool", "one thread"];
        int pool = spins.Length, one = spins.Length + 1;
        var sessions = names.Select((name, i) =>
        {
            var session = TrainingBenchmark.Start(new SequenceModelOptions
            {
                Cell = Enum.Parse<Microsoft.ML.RecurrentCellKind>(cell, ignoreCase: true),
                HiddenSize = hidden,
                Threads = i == one ? 1 : threads,
            }, length, input, batch, warmup: 0);
            session.Loop.KeepsStepWorkers = i < pool;
            session.Loop.StepWorkerSpin = i < pool ? TimeSpan.FromMicroseconds(spins[i]) : null;
            for (var w = 0; w < 20; w++)
                session.Step();
            return session;
        }).ToArray();
        Console.WriteLine($"{cell} T={length} I={input} H={hidden} B={batch}, {threads} threads, load {Load()}");

        const int loggedSteps = 40;
        foreach (var s in new[] { 0, pool })
        {
            var log = new HandOffLog();
            PartRunner.Log = log;
            for (var i = 0; i < loggedSteps; i++)
                sessions[s].Step();
            PartRunner.Log = null;
            Console.WriteLine($"  {names[s]}: {(double)log.Entries.Count / loggedSteps:F1} hand-offs a step; per hand-off, " +
                "median µs: wall, longest part, last part's start after the dispatch, caller's wait after the last part, " +
                "serial stretch since the previous hand-off (max)");
            foreach (var site in log.Entries.GroupBy(e => (e.Site, e.Parts)))
            {
                var entries = site.ToList();
                Console.WriteLine($"    {site.Key.Site,-40} {site.Key.Parts} parts x{(double)entries.Count / loggedSteps,4:F1}" +
                    $"  {Micro(entries, e => e.Wall),8:F1} {Micro(entries, e => e.LongestPart),8:F1}" +
                    $" {Micro(entries, e => e.LastStart),7:F1} {Micro(entries, e => e.Tail),6:F1}" +
                    $" {Micro(entries, e => e.Gap),7:F1} ({entries.Max(e => e.Gap) * 1e6 / Stopwatch.Frequency:F0})");
            }
        }

        var wall = names.Select(_ => new List<double>()).ToArray();
        var cpu = names.Select(_ => new List<double>()).ToArray();
        var ratios = spins.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            var roundWall = new double[names.Length];
            for (var k = 0; k < names.Length; k++)
            {
                // Alternate which goes first, so neither always follows the other.
                var s = (k + round) % names.Length;
                var cpuBefore = Environment.CpuUsage.TotalTime;
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < TurnSteps; i++)
                    sessions[s].Step();
                roundWall[s] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / TurnSteps;
                // A pause longer than any spin: every helper is asleep before the next turn, and the CPU a turn's
                // helper spins after its last step counts to its turn.
                Thread.Sleep(5);
                wall[s].Add(roundWall[s]);
                cpu[s].Add((Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds / TurnSteps);
            }
            for (var h = 0; h < pool; h++)
                ratios[h].Add(roundWall[h] / roundWall[pool]);
        }
        Console.WriteLine($"  whole steps, {rounds} alternating rounds of {TurnSteps}-step turns, load {Load()}: " +
            "median ms a step, wall (process CPU)");
        for (var s = 0; s < names.Length; s++)
            Console.WriteLine($"    {names[s],-12} {Median(wall[s]),7:F3} ({Median(cpu[s]),7:F3})" +
                $"   scaling over one thread {Median(wall[one]) / Median(wall[s]):F2}x");
        for (var h = 0; h < pool; h++)
            Console.WriteLine($"  {names[h]}: step over the pool's, median of rounds {Median(ratios[h]):F3}" +
                $" (quartiles {Quantile(ratios[h], 0.25):F3}-{Quantile(ratios[h], 0.75):F3})");
        foreach (var session in sessions)
            session.Loop.StopWorkers();
        WeightGradientProduct(sessions[0], length, input, hidden, batch, rounds);
        return 0;
    }

    // The LSTM's joint weight-gradient product at the step's shape (∂L/∂z read transposed, [x_t | h_{t-1}] padded):
    // whole on one thread, each half of C's rows alone on one thread, and both halves side by side on the step's
    // helpers; each half's time side by side over its time alone says whether the two cores slow each other down,
    // the two halves' times whether the split is balanced.
    private static void WeightGradientProduct(TrainingBenchmark.Session session, int length, int input, int hidden,
        int batch, int rounds)
    {
        var (a, b, c) = TrainingPhases.JointWeightGradientProduct(session, length, input, hidden, batch);
        int rows = b.Rows, width = c.Rows, columns = c.Columns;
        var half = width / 2;
        using var team = new StepWorkers(1);
        var log = new HandOffLog();
        (string Name, Action Body)[] runs =
        [
            ("one thread, all rows", () => Gemm.MultiplyParallel(a, b, c, accumulate: false, 1)),
            ("one thread, first half", () => Gemm.MultiplyParallel(a.RowRange(0, half), b, c.RowRange(0, half), false, 1)),
            ("one thread, second half", () => Gemm.MultiplyParallel(a.RowRange(half, width - half), b,
                c.RowRange(half, width - half), false, 1)),
            ("two threads (helpers)", () =>
            {
                using var scope = StepWorkers.Enter(team);
                PartRunner.Log = log;
                Gemm.MultiplyParallel(a, b, c, accumulate: false, 2);
                PartRunner.Log = null;
            }),
        ];
        var wall = runs.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < runs.Length; k++)
            {
                var r = (k + round) % runs.Length;
                var start = Stopwatch.GetTimestamp();
                runs[r].Body();
                wall[r].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }
        Console.WriteLine($"  weight-gradient product {width}x{columns}x{rows}, {rounds} alternating rounds, load {Load()}: median ms");
        for (var r = 0; r < runs.Length; r++)
            Console.WriteLine($"    {runs[r].Name,-26} {Median(wall[r]),7:F3}");
        var parts = Enumerable.Range(0, 2).Select(p =>
            Median(log.Entries.Select(e => e.PartTimes[p] * 1e3 / Stopwatch.Frequency).ToList())).ToArray();
        var lastStart = Median(log.Entries.Select(e => e.LastStart * 1e3 / Stopwatch.Frequency).ToList());
        Console.WriteLine($"    side by side: first half {parts[0]:F3}, second half {parts[1]:F3}, the later one started " +
            $"{lastStart:F3} after the dispatch: " +
            $"{parts[0] / Median(wall[1]):F2}x and {parts[1] / Median(wall[2]):F2}x their time alone; " +
            $"scaling {Median(wall[0]) / Median(wall[3]):F2}x");
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static double Micro(List<HandOffLog.Entry> entries, Func<HandOffLog.Entry, long> field) =>
        Median(entries.Select(e => field(e) * 1e6 / Stopwatch.Frequency).ToList());

    private static double Median(List<double> values) => Quantile(values, 0.5);

    private static double Quantile(List<double> values, double q) =>
        values.Order().ElementAt((int)(q * (values.Count - 1)));
}
