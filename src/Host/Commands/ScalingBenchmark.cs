using System.Globalization;
using System.Text;
using Recurrent.Host.Experiments.Reports;
using Recurrent.Trainer;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Commands;

/// <summary>
/// How training cost grows with sequence length T (28…784 at H = 128, batch 32) and with hidden size H (64…1024 at
/// T = 28, batch 64), for each cell: writes scaling.csv and two SVG charts. Cost linear in T shows as step times on a
/// straight line through the origin.
/// </summary>
internal static class ScalingBenchmark
{
    private static readonly int[] Lengths = [28, 56, 112, 224, 448, 784];
    private static readonly int[] HiddenSizes = [64, 128, 256, 512, 1024];
    private static readonly CellKind[] Cells = [CellKind.Lstm, CellKind.Gru, CellKind.Rnn];

    public static void Run(string directory, int threads, TextWriter log)
    {
        Directory.CreateDirectory(directory);
        var csv = new StringBuilder("cell,length,input,hidden,batch,sequences_per_second,ms_per_step,gflops\n");
        var byLength = new LineChart { Title = "Training step time against sequence length (H = 128, batch 32)", XLabel = "sequence length T", YLabel = "ms per training step" };
        var byHidden = new LineChart { Title = "Training throughput against hidden size (T = 28, batch 64)", XLabel = "hidden size H", YLabel = "sequences per second", LogX = true, LogY = true };
        foreach (var cell in Cells)
        {
            var times = new List<double>();
            foreach (var length in Lengths)
                times.Add(Measure(cell, length, 128, 32, threads, csv, log).MillisecondsPerStep);
            byLength.Series.Add(new ChartSeries(cell.ToString().ToUpperInvariant(), Lengths.Select(l => (double)l).ToList(), times));
            if (cell == CellKind.Lstm)
                byLength.ReferenceLines.Add(("LSTM, linear from T = 28", times[0] / Lengths[0], 0));
            var throughput = HiddenSizes.Select(h => Measure(cell, 28, h, 64, threads, csv, log).SequencesPerSecond).ToList();
            byHidden.Series.Add(new ChartSeries(cell.ToString().ToUpperInvariant(), HiddenSizes.Select(h => (double)h).ToList(), throughput));
        }
        File.WriteAllText(Path.Combine(directory, "scaling.csv"), csv.ToString());
        File.WriteAllText(Path.Combine(directory, "scaling_length.svg"), byLength.ToSvg());
        File.WriteAllText(Path.Combine(directory, "scaling_hidden.svg"), byHidden.ToSvg());
    }

    private static BenchmarkResult Measure(CellKind cell, int length, int hidden, int batch, int threads, StringBuilder csv,
        TextWriter log)
    {
        const int input = 28;
        // Enough steps for a stable figure without spending minutes on the largest configurations.
        var work = (double)length * hidden * hidden * batch;
        var steps = Math.Clamp((int)(4e9 / work), 3, 30);
        var result = TrainingBenchmark.Run(new SequenceClassifierOptions { Cell = cell, HiddenSize = hidden, Threads = threads },
            length, input, batch, steps);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{cell.ToString().ToLowerInvariant()},{length},{input},{hidden},{batch},{result.SequencesPerSecond:F1},{result.MillisecondsPerStep:F3},{result.GigaflopsPerSecond:F1}");
        csv.AppendLine(line);
        log.WriteLine(line);
        return result;
    }
}
