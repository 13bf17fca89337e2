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
        var threads = new[] { 1, Environment.ProcessorCount };
        var sessions = threads.Select(n => TrainingBenchmark.Start(new SequenceModelOptions
        {
            Cell = Enum.Parse<Microsoft.ML.RecurrentCellKind>(cell, ignoreCase: true),
            HiddenSize = hidden,
            Threads = n,
            CollectAdjointNorms = false,
        }, length, input, batch, warmup: 10)).ToArray();
        var gates = sessions[0].Network.Layers[0][0].Cell.GateCount;
        // The LSTM's joint weight-gradient product at this shape (∂L/∂z read transposed, [x_t | h_{t-1}] padded).
        var panel = KernelPlan.Active.PanelWidth;
        int rows = length * batch, width = gates * hidden, columns = (input + hidden + panel - 1) / panel * panel;
        var dz = new float[rows * width];
        var stepInputs = new float[rows * columns];
        var product = new float[width * columns];
        var random = new Random(5);
        foreach (var array in new[] { dz, stepInputs })
            for (var i = 0; i < array.Length; i++)
                array[i] = (float)(random.NextDouble() - 0.5);

        (string Name, Action<int, TrainingBenchmark.Session> Body)[] parts =
        [
            ("forward", (n, s) => s.Network.Forward(s.Batch, n)),
            ("forward + BPTT + weight gradients", (n, s) => s.Network.ComputeGradients(s.Batch, null, null, n)),
            ("whole step", (n, s) => s.Step()),
            ($"weight-gradient product {width}x{columns}x{rows} alone", (n, s) => Gemm.MultiplyParallel(
                StridedMatrix.RowMajor(dz, rows, width).Transposed, StridedMatrix.RowMajor(stepInputs, rows, columns),
                StridedMatrix.RowMajor(product, width, columns), accumulate: false, n)),
        ];
        var wall = new List<double>[parts.Length, threads.Length];
        var cpu = new List<double>[parts.Length, threads.Length];
        for (var p = 0; p < parts.Length; p++)
            for (var t = 0; t < threads.Length; t++)
                (wall[p, t], cpu[p, t]) = ([], []);
        for (var round = 0; round < rounds; round++)
        {
            for (var p = 0; p < parts.Length; p++)
            {
                // Alternate which thread count goes first, so neither always follows the other.
                for (var k = 0; k < threads.Length; k++)
                {
                    var t = (k + round) % threads.Length;
                    var cpuBefore = Environment.CpuUsage.TotalTime;
                    var start = Stopwatch.GetTimestamp();
                    parts[p].Body(threads[t], sessions[t]);
                    wall[p, t].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    cpu[p, t].Add((Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds);
                }
            }
        }
        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        Console.WriteLine($"{cell} T={length} I={input} H={hidden} B={batch}, {rounds} rounds, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; median ms, wall (process CPU)");
        for (var p = 0; p < parts.Length; p++)
        {
            var line = string.Join("   ", threads.Select((n, t) => $"{n} thread(s) {Median(wall[p, t]),7:F3} ({Median(cpu[p, t]),7:F3})"));
            Console.WriteLine($"  {parts[p].Name,-48} {line}   scaling {Median(wall[p, 0]) / Median(wall[p, threads.Length - 1]):F2}x");
        }
        return 0;
    }
}
