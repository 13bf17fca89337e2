using System.Diagnostics;
using Recurrent.Trainer;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Bench;

/// <summary>
/// Where a training step's two-thread scaling goes (RECURRENT_EXPERIMENT=phases; EXP_CELL, EXP_H, EXP_ROUNDS): the
/// same step on one thread and on one per core, alternating round by round in one process, part by part: the
/// forward pass, BPTT with the weight gradients (ComputeGradients less the forward), the rest of a training step
/// (clipping, Adam, bookkeeping), and the weight-gradient product alone at the step's shape. Each part's median wall
/// time and process CPU time per thread count, and the scaling (one-thread wall over two-thread wall). Diagnostics
/// off, so the parts add up to the step.
/// </summary>
internal static class TrainingPhases
{
    public static int Run()
    {
        var cell = Environment.GetEnvironmentVariable("EXP_CELL") ?? "lstm";
        var hidden = int.Parse(Environment.GetEnvironmentVariable("EXP_H") ?? "128", System.Globalization.CultureInfo.InvariantCulture);
        var rounds = int.Parse(Environment.GetEnvironmentVariable("EXP_ROUNDS") ?? "40", System.Globalization.CultureInfo.InvariantCulture);
        var (length, input) = hidden == 512 ? (100, 64) : (28, 28);
        const int batch = 64;
        // One thread, one per core, and one thread on a worker's share of the batch (what each core does when the
        // time loops split the sequences): that last one's thread CPU time against half the first's is what the split
        // costs in work, whatever the machine's load does to the wall time.
        var threads = new[] { 1, Environment.ProcessorCount, 1 };
        var batches = new[] { batch, batch, batch / Environment.ProcessorCount };
        var sessions = threads.Select((n, i) => TrainingBenchmark.Start(new SequenceModelOptions
        {
            Cell = Enum.Parse<Microsoft.ML.RecurrentCellKind>(cell, ignoreCase: true),
            HiddenSize = hidden,
            Threads = n,
            CollectAdjointNorms = false,
        }, length, input, batches[i], warmup: 10)).ToArray();
        var (a, b, c) = JointWeightGradientProduct(sessions[0], length, input, hidden, batch);
        int rows = b.Rows, width = c.Rows, columns = c.Columns;

        (string Name, Action<int, TrainingBenchmark.Session> Body)[] parts =
        [
            ("forward", (n, s) => s.Network.Forward(s.Batch, n)),
            ("forward + BPTT + weight gradients", (n, s) => s.Network.ComputeGradients(s.Batch, null, null, n)),
            ("whole step", (n, s) => s.Step()),
            ($"weight-gradient product {width}x{columns}x{rows} alone", (n, s) =>
            {
                // The worker's share: the first half of C's rows, as the two-thread split gives each core.
                var share = s.Batch.Size < batch ? width / Environment.ProcessorCount : width;
                Gemm.MultiplyParallel(a.RowRange(0, share), b, c.RowRange(0, share), accumulate: false, n);
            }),
        ];
        var wall = new List<double>[parts.Length, threads.Length];
        var cpu = new List<double>[parts.Length, threads.Length];
        var threadCpu = new List<double>[parts.Length, threads.Length];
        for (var p = 0; p < parts.Length; p++)
            for (var t = 0; t < threads.Length; t++)
                (wall[p, t], cpu[p, t], threadCpu[p, t]) = ([], [], []);
        for (var round = 0; round < rounds; round++)
        {
            for (var p = 0; p < parts.Length; p++)
            {
                // Alternate which thread count goes first, so neither always follows the other.
                for (var k = 0; k < threads.Length; k++)
                {
                    var t = (k + round) % threads.Length;
                    var cpuBefore = Environment.CpuUsage.TotalTime;
                    var threadBefore = ThreadCpuMilliseconds();
                    var start = Stopwatch.GetTimestamp();
                    parts[p].Body(threads[t], sessions[t]);
                    wall[p, t].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    threadCpu[p, t].Add(ThreadCpuMilliseconds() - threadBefore);
                    cpu[p, t].Add((Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds);
                }
            }
        }
        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        Console.WriteLine($"{cell} T={length} I={input} H={hidden} B={batch}, {rounds} rounds, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; " +
            "median ms: wall (process CPU); the worker's share on one thread: its thread CPU over half the one-thread step's");
        var names = threads.Select((n, t) => t < 2 ? $"{n} thread(s)" : $"share B={batches[t]}").ToArray();
        for (var p = 0; p < parts.Length; p++)
        {
            var line = string.Join("   ", names.Select((name, t) => $"{name} {Median(wall[p, t]),7:F3} ({Median(cpu[p, t]),7:F3})"));
            Console.WriteLine($"  {parts[p].Name,-48} {line}   scaling {Median(wall[p, 0]) / Median(wall[p, 1]):F2}x, " +
                $"share's work {Median(threadCpu[p, 2]) / (Median(threadCpu[p, 0]) / Environment.ProcessorCount):F2}x");
        }
        return 0;
    }

    /// <summary>
    /// The LSTM's joint weight-gradient product at the session's shape, on random values: ∂L/∂z [T·B, G·H] read
    /// transposed (A), [x_t | h_{t-1}] padded to whole panels (B), and C [G·H, columns].
    /// </summary>
    internal static (StridedMatrix A, StridedMatrix B, StridedMatrix C) JointWeightGradientProduct(
        TrainingBenchmark.Session session, int length, int input, int hidden, int batch)
    {
        var gates = session.Network.Layers[0][0].Cell.GateCount;
        var panel = KernelPlan.Active.PanelWidth;
        int rows = length * batch, width = gates * hidden, columns = (input + hidden + panel - 1) / panel * panel;
        var dz = new float[rows * width];
        var stepInputs = new float[rows * columns];
        var random = new Random(5);
        foreach (var array in new[] { dz, stepInputs })
            for (var i = 0; i < array.Length; i++)
                array[i] = (float)(random.NextDouble() - 0.5);
        return (StridedMatrix.RowMajor(dz, rows, width).Transposed, StridedMatrix.RowMajor(stepInputs, rows, columns),
            StridedMatrix.RowMajor(new float[width * columns], width, columns));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // CLOCK_THREAD_CPUTIME_ID: what this thread ran, not the minutes it waited for a core.
    private static double ThreadCpuMilliseconds()
    {
        ClockGetTime(3, out var time);
        return time.Seconds * 1e3 + time.Nanoseconds / 1e6;
    }
}
