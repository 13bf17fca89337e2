using System.Text;
using Microsoft.ML;
using Recurrent.Bench;
using Recurrent.Host.Experiments.Reports;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Commands;

/// <summary>`recurrent bench --scaling DIR`: the scaling benchmark's points as scaling.csv and two SVG charts.</summary>
internal static class ScalingReport
{
    public static void Run(string directory, int threads, TextWriter log)
    {
        Directory.CreateDirectory(directory);
        var points = ScalingBenchmark.Run(threads, log);
        var csv = new StringBuilder(ScalingBenchmark.CsvHeader + "\n");
        foreach (var point in points)
            csv.AppendLine(point.ToCsv());
        var byLength = new LineChart { Title = "Training step time against sequence length (H = 128, batch 32)", XLabel = "sequence length T", YLabel = "ms per training step" };
        var byHidden = new LineChart { Title = "Training throughput against hidden size (T = 28, batch 64)", XLabel = "hidden size H", YLabel = "sequences per second", LogX = true, LogY = true };
        foreach (var cell in ScalingBenchmark.Cells)
        {
            var name = cell.ToString().ToUpperInvariant();
            var alongLength = points.Where(p => p.Cell == cell && p.Hidden == 128 && p.Batch == 32).ToList();
            var alongHidden = points.Where(p => p.Cell == cell && p.Length == 28 && p.Batch == 64).ToList();
            var times = alongLength.Select(p => p.Result.MillisecondsPerStep).ToList();
            byLength.Series.Add(new ChartSeries(name, alongLength.Select(p => (double)p.Length).ToList(), times));
            if (cell == RecurrentCellKind.Lstm)
                byLength.ReferenceLines.Add(("LSTM, linear from T = 28", times[0] / alongLength[0].Length, 0));
            byHidden.Series.Add(new ChartSeries(name, alongHidden.Select(p => (double)p.Hidden).ToList(),
                alongHidden.Select(p => p.Result.SequencesPerSecond).ToList()));
        }
        File.WriteAllText(Path.Combine(directory, "scaling.csv"), csv.ToString());
        File.WriteAllText(Path.Combine(directory, "scaling_length.svg"), byLength.ToSvg());
        File.WriteAllText(Path.Combine(directory, "scaling_hidden.svg"), byHidden.ToSvg());
    }
}
