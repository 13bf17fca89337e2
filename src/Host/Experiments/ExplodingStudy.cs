using System.Globalization;
using Microsoft.ML;
using Recurrent.Host.Experiments.Reports;
using Recurrent.Host.Experiments.Runs;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Experiments;

/// <summary>
/// Seeds 000 and 001: a ReLU RNN with W_hh = I and a large learning rate trains unstably because its gradient
/// explodes; seed 002 clips each element at 0.1, seed 003 rescales the global norm (Pascanu et al.).
/// </summary>
internal sealed class ExplodingStudy : IStudy
{
    private static readonly (string Label, float? ClipValue, float? ClipNorm)[] Variants =
        [("no clipping", null, null), ("value clip 0.1", 0.1f, null), ("norm clip 1", null, 1f)];

    public string Name => "exploding";

    public string Summary => "ReLU RNN, identity W_hh, large learning rate: no clipping vs value clipping vs norm clipping.";

    public StudyReport Run(StudySettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        int length = settings.Quick ? 50 : 100, count = settings.Quick ? 640 : 3200, epochs = settings.Quick ? 2 : 5;
        int seeds = settings.Quick ? 1 : 3;
        var specs = new List<RunSpec>();
        foreach (int seed in settings.Seeds(seeds))
        {
            var data = StudyData.Load($"adding:{length}", seed, count, 200);
            foreach (var (label, clipValue, clipNorm) in Variants)
            {
                var options = new SequenceModelOptions
                {
                    Cell = RecurrentCellKind.Rnn,
                    Activation = RecurrentActivation.Relu,
                    RecurrentInit = RecurrentInit.Identity,
                    HiddenSize = 32,
                    Epochs = epochs,
                    BatchSize = 32,
                    Optimizer = RecurrentOptimizerKind.Sgd,
                    LearningRate = LearningRate,
                    ClipValue = clipValue,
                    ClipNorm = clipNorm,
                    Seed = seed,
                };
                specs.Add(new RunSpec(label, data, options, AnalyzeEvery: 5) { Tags = { ["seed"] = seed } });
            }
        }
        var results = ExperimentRunner.RunAll(specs, log, cancellationToken);
        return Report(settings, length, count, epochs, seeds, results);
    }

    /// <summary>Large for this model: plain SGD at 0.1 on a 100-step ReLU recurrence.</summary>
    private const float LearningRate = 0.1f;

    private static StudyReport Report(StudySettings settings, int length, int count, int epochs, int seeds,
        IReadOnlyList<RunResult> results)
    {
        var report = new StudyReport("exploding", "Exploding gradients: ReLU RNN with identity W_hh and a large learning rate");
        report.Setting["mode"] = settings.Mode;
        report.Setting["task"] = $"adding:{length} (regression; predicting the mean scores MSE 0.167)";
        report.Setting["hidden"] = 32;
        report.Setting["training sequences"] = count;
        report.Setting["epochs"] = epochs;
        report.Setting["optimizer"] = $"SGD lr {LearningRate}, batch 32";
        report.Setting["seeds"] = string.Join(" ", settings.Seeds(seeds));

        var table = new CsvTable("variant", "seed", "steps", "nonfinite_steps", "clip_rate", "initial_norm",
            "max_norm", "final_train_loss", "test_mse", "final_log10_ratio", "seconds");
        foreach (var r in results)
        {
            table.Add(r.Label, r.Spec.Tags["seed"], r.Steps.Count, r.NonFiniteSteps, r.ClipRate, InitialNorm(r), MaxNorm(r),
                FinalTrainLoss(r), r.TestLoss, r.Final(a => a.Log10VanishingRatio), r.Seconds);
        }

        var plain = results.Where(r => r.Label == Variants[0].Label).ToList();
        var clipped = results.Where(r => r.Label != Variants[0].Label).ToList();
        double growth = Stats.Median(plain.Select(r => Math.Log10(MaxNorm(r) / InitialNorm(r))));
        int plainNonFinite = plain.Sum(r => r.NonFiniteSteps);
        report.Claims.Add(new Claim("unclipped-gradient-explodes",
            "Without clipping the gradient norm grows by orders of magnitude during training (or becomes non-finite) (seeds 000, 001).",
            growth >= 2 || plainNonFinite > 0,
            F($"largest finite pre-clip norm / first-step norm: median 10^{growth:F1} over {plain.Count} seeds; {plainNonFinite} non-finite steps, the first at step ") +
                string.Join(", ", plain.Select(r => r.Steps.FirstOrDefault(s => s.NonFinite).Step.ToString(CultureInfo.InvariantCulture))) + " (0: none)"));

        double plainLoss = Stats.Median(plain.Select(r => Finite(r.TestLoss)));
        var clippedLosses = Variants.Skip(1).Select(v => (v.Label, Loss: Stats.Median(results.Where(r => r.Label == v.Label).Select(r => Finite(r.TestLoss))))).ToList();
        report.Claims.Add(new Claim("clipping-stabilises",
            "Clipping (by value, seed 002; by norm, seed 003) trains to a lower test error than no clipping.",
            clippedLosses.All(c => c.Loss < plainLoss),
            F($"median test MSE: {plainLoss:G3} (no clipping), ") + string.Join(", ", clippedLosses.Select(c => F($"{c.Loss:G3} ({c.Label})")))
                + F($"; non-finite steps: {plainNonFinite} vs {clipped.Sum(r => r.NonFiniteSteps)}")));
        double normClipRate = Stats.Median(results.Where(r => r.Label == "norm clip 1").Select(r => r.ClipRate));
        double valueClipRate = Stats.Median(results.Where(r => r.Label == "value clip 0.1").Select(r => r.ClipRate));
        report.Claims.Add(new Claim("clipping-fires",
            "Clipping is active, not idle: a meaningful fraction of steps hit the threshold.",
            normClipRate > 0.01 && valueClipRate > 0.01,
            F($"clip rate {valueClipRate:P0} (value 0.1), {normClipRate:P0} (norm 1)")));

        report.Paragraph("Non-finite steps are skipped and counted (the engine's default policy), as the service would. " +
            "A non-finite test MSE counts as +∞ in the medians. The first seed's run of each variant is drawn below.");
        var first = results.Where(r => (int)r.Spec.Tags["seed"] == settings.Seed).ToList();
        var loss = new LineChart { Title = "training loss per step", XLabel = "optimizer step", YLabel = "batch MSE (log scale)", LogY = true };
        var norms = new LineChart { Title = "pre-clip gradient norm per step", XLabel = "optimizer step", YLabel = "global L2 norm (log scale)", LogY = true };
        foreach (var r in first)
        {
            var x = r.Steps.Select(s => (double)s.Step).ToArray();
            loss.Series.Add(new ChartSeries(r.Label, x, r.Steps.Select(s => s.Loss).ToArray(), SeriesStyle.Line));
            norms.Series.Add(new ChartSeries(r.Label, x, r.Steps.Select(s => s.PreClipNorm).ToArray(), SeriesStyle.Line));
        }
        report.Figure("loss", loss.ToSvg(), "Training loss per step (non-finite steps leave gaps)");
        report.Figure("norms", norms.ToSvg(), "Pre-clip global gradient norm per step");
        report.Figure("norm_histogram", Histogram(results), "Histogram of pre-clip norms over all seeds (log-spaced bins, ×√10 as the metric's buckets)");
        var bars = new BarChart { Title = "non-finite steps and clip rate", YLabel = "count / percent", Categories = Variants.Select(v => v.Label).ToArray() };
        bars.Series.Add(("non-finite steps", Variants.Select(v => (double)results.Where(r => r.Label == v.Label).Sum(r => r.NonFiniteSteps)).ToArray()));
        bars.Series.Add(("clip rate (%)", Variants.Select(v => 100 * Stats.Mean(results.Where(r => r.Label == v.Label).Select(r => r.ClipRate))).ToArray()));
        report.Figure("nonfinite_and_clip_rate", bars.ToSvg(), "Non-finite steps (all seeds) and mean clip rate per variant");
        report.Table("runs", table);
        var stepTable = new CsvTable("variant", "seed", "step", "loss", "pre_clip_norm", "clipped", "nonfinite");
        foreach (var r in results)
        {
            foreach (var s in r.Steps)
                stepTable.Add(r.Label, r.Spec.Tags["seed"], s.Step, s.Loss, s.PreClipNorm, s.Clipped, s.NonFinite);
        }
        report.Table("steps", stepTable, show: false);
        return report;
    }

    private static string Histogram(IReadOnlyList<RunResult> results)
    {
        // Bins at ×√10 like recurrent_grad_norm's buckets, spanning whatever the runs produced.
        var all = results.SelectMany(r => r.Steps).Select(s => s.PreClipNorm).Where(n => double.IsFinite(n) && n > 0).ToList();
        double low = Math.Floor(Math.Log10(all.DefaultIfEmpty(1e-3).Min()) * 2) / 2;
        double high = Math.Ceiling(Math.Log10(all.DefaultIfEmpty(1).Max()) * 2) / 2 + 0.5;
        var edges = new List<double>();
        for (double e = low; e <= high + 1e-9; e += 0.5)
            edges.Add(Math.Pow(10, e));
        var chart = new LineChart { Title = "pre-clip norm histogram", XLabel = "global L2 norm (log scale)", YLabel = "steps", LogX = true };
        foreach (var (label, _, _) in Variants)
        {
            var counts = new double[edges.Count - 1];
            foreach (var n in results.Where(r => r.Label == label).SelectMany(r => r.Steps).Select(s => s.PreClipNorm))
            {
                if (!double.IsFinite(n) || n <= 0)
                    continue;
                int bin = Math.Clamp((int)Math.Floor((Math.Log10(n) - low) * 2), 0, counts.Length - 1);
                counts[bin]++;
            }
            chart.Series.Add(new ChartSeries(label, edges, counts, SeriesStyle.Stairs));
        }
        return chart.ToSvg();
    }

    private static double InitialNorm(RunResult r) => r.Steps.Select(s => s.PreClipNorm).FirstOrDefault(double.IsFinite, double.NaN);

    private static double MaxNorm(RunResult r) => Stats.Max(r.Steps.Select(s => s.PreClipNorm).Where(double.IsFinite));

    private static double FinalTrainLoss(RunResult r) =>
        Stats.Median(r.Steps.Skip(r.Steps.Count - Math.Max(1, r.Steps.Count / 10)).Select(s => Finite(s.Loss)));

    private static double Finite(double value) => double.IsFinite(value) ? value : double.PositiveInfinity;

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
