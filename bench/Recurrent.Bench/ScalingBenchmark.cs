using System.Globalization;
using Microsoft.ML;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Training;

namespace Recurrent.Bench;

/// <summary>
/// How training cost grows with sequence length T (28…784 at H = 128, batch 32) and with hidden size H (64…1024 at
/// T = 28, batch 64), for each cell. Cost linear in T shows as step times on a straight line through the origin;
/// `recurrent bench --scaling` writes the points as scaling.csv and draws them as two SVG charts.
/// </summary>
public static class ScalingBenchmark
{
    /// <summary>The CSV header of <see cref="Point.ToCsv"/>.</summary>
    public const string CsvHeader = "cell,length,input,hidden,batch,sequences_per_second,ms_per_step,gflops";

    private const int Input = 28;

    /// <summary>The lengths of the sweep in T (at H = 128, batch 32).</summary>
    public static IReadOnlyList<int> Lengths { get; } = [28, 56, 112, 224, 448, 784];

    /// <summary>The hidden sizes of the sweep in H (at T = 28, batch 64).</summary>
    public static IReadOnlyList<int> HiddenSizes { get; } = [64, 128, 256, 512, 1024];

    /// <summary>The cells measured, in order.</summary>
    public static IReadOnlyList<RecurrentCellKind> Cells { get; } = [RecurrentCellKind.Lstm, RecurrentCellKind.Gru, RecurrentCellKind.Rnn];

    /// <summary>One measured configuration.</summary>
    public sealed record Point(RecurrentCellKind Cell, int Length, int Input, int Hidden, int Batch, BenchmarkResult Result)
    {
        /// <summary>This point as a line of scaling.csv.</summary>
        public string ToCsv() => string.Create(CultureInfo.InvariantCulture,
            $"{Cell.ToString().ToLowerInvariant()},{Length},{Input},{Hidden},{Batch},{Result.SequencesPerSecond:F1},{Result.MillisecondsPerStep:F3},{Result.GigaflopsPerSecond:F1}");
    }

    /// <summary>Measures every cell, first along T, then along H; writes each point's CSV line to <paramref name="log"/> as it is measured.</summary>
    public static IReadOnlyList<Point> Run(int threads, TextWriter log)
    {
        var points = new List<Point>();
        foreach (var cell in Cells)
        {
            foreach (var length in Lengths)
                points.Add(Measure(cell, length, 128, 32, threads, log));
            foreach (var hidden in HiddenSizes)
                points.Add(Measure(cell, 28, hidden, 64, threads, log));
        }
        return points;
    }

    private static Point Measure(RecurrentCellKind cell, int length, int hidden, int batch, int threads, TextWriter log)
    {
        // Enough steps for a stable figure without spending minutes on the largest configurations.
        var work = (double)length * hidden * hidden * batch;
        var steps = Math.Clamp((int)(4e9 / work), 3, 30);
        var result = TrainingBenchmark.Run(new SequenceModelOptions { Cell = cell, HiddenSize = hidden, Threads = threads },
            length, Input, batch, steps);
        var point = new Point(cell, length, Input, hidden, batch, result);
        log.WriteLine(point.ToCsv());
        return point;
    }
}
