using System.Globalization;
using Microsoft.ML;
using Recurrent.Host.Experiments.Reports;
using Recurrent.Host.Experiments.Runs;
using Recurrent.Trainer;

namespace Recurrent.Host.Experiments;

/// <summary>
/// Campos et al. 2018 (Skip RNN), their adding-task table: T = 50, 110 units, Adam, batch 256, clipping at 1, LSTM and
/// GRU against Skip LSTM and Skip GRU at λ = 0 and 1e-5; "solved" is a test MSE at least 100 times below the variance
/// of the targets. Scaled to minutes: batch 64 and a learning rate of 1e-3 (the paper's 1e-4 with four times the
/// batch over far more updates), a fixed number of updates per run. Its pixel part is <see cref="SkipUpdatesPixels"/>.
/// </summary>
internal sealed class SkipUpdatesStudy : IStudy
{
    private sealed record Variant(string Label, RecurrentCellKind Cell, bool Skip, float Budget, bool PaperSolved, string PaperUpdates);

    private static readonly Variant[] Variants =
    [
        new("LSTM", RecurrentCellKind.Lstm, false, 0, true, "100%"),
        new("Skip LSTM, λ = 0", RecurrentCellKind.Lstm, true, 0, true, "81.1 ± 3.6%"),
        new("Skip LSTM, λ = 1e-5", RecurrentCellKind.Lstm, true, 1e-5f, true, "53.9 ± 2.1%"),
        new("GRU", RecurrentCellKind.Gru, false, 0, true, "100%"),
        new("Skip GRU, λ = 0", RecurrentCellKind.Gru, true, 0, true, "97.9 ± 3.2%"),
        new("Skip GRU, λ = 1e-5", RecurrentCellKind.Gru, true, 1e-5f, true, "50.7 ± 2.6%"),
    ];

    private const int Length = 50, Hidden = 110, Batch = 64;
    private const float LearningRate = 1e-3f;
    private static readonly string AddingTask = $"adding:{Length}";

    public string Name => "skip-updates";

    public string Summary => "Campos et al. 2018 (Skip RNN): the adding task at T = 50 and pixel Fashion-MNIST, LSTM/GRU (and the dilated RNN) against Skip LSTM/GRU at lambda 0 and 1e-5, with the share of updates.";

    public IReadOnlyList<string> Parts { get; } = [AddingPart, SkipUpdatesPixels.Part];

    private const string AddingPart = "adding";

    public StudyReport Run(StudySettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        int steps = settings.Quick ? 40 : 1500, seeds = 1, count = settings.Quick ? 1280 : 16000;
        var specs = new List<RunSpec>();
        foreach (int seed in settings.Runs(AddingPart) ? settings.Seeds(seeds) : [])
        {
            var data = StudyData.Load(AddingTask, seed, count, settings.Quick ? 200 : 1000);
            foreach (var v in Variants)
            {
                var options = new SequenceModelOptions
                {
                    Cell = v.Cell,
                    HiddenSize = Hidden,
                    BatchSize = Batch,
                    LearningRate = LearningRate,
                    ClipNorm = 1f,
                    SkipUpdates = v.Skip,
                    SkipUpdateBudget = v.Budget,
                    Epochs = (int)Math.Ceiling((double)steps * Batch / count),
                    MaxSteps = steps,
                    Seed = seed,
                };
                specs.Add(new RunSpec(v.Label, data, options, AnalyzeEvery: 50) { Tags = { ["task"] = AddingTask, ["seed"] = seed } });
            }
        }
        if (settings.Runs(SkipUpdatesPixels.Part))
            specs.AddRange(SkipUpdatesPixels.Specs(settings));
        var results = ExperimentRunner.RunAll(specs, log, cancellationToken);
        var report = new StudyReport("skip-updates", "Learned skip updates (Skip RNN, Campos et al. 2018) on the adding task and pixel Fashion-MNIST");
        report.Setting["mode"] = settings.Mode;
        report.Setting["seed"] = settings.Seed;
        if (settings.Part is not null)
            report.Setting["part"] = settings.Part;
        if (settings.Runs(AddingPart))
            Report(report, steps, count, results.Where(r => (string)r.Spec.Tags["task"] == AddingTask).ToList());
        if (settings.Runs(SkipUpdatesPixels.Part))
            SkipUpdatesPixels.Report(report, settings, results.Where(r => (string)r.Spec.Tags["task"] == SkipUpdatesPixels.Task).ToList());
        return report;
    }

    private static void Report(StudyReport report, int steps, int count, IReadOnlyList<RunResult> results)
    {
        report.Setting["task"] = F($"adding:{Length} (regression; solved = test MSE ≤ variance of the test targets / 100)");
        report.Setting["network"] = F($"{Hidden} units, one layer, global-norm clip 1");
        report.Setting["training"] = F($"Adam lr {LearningRate}, batch {Batch}, {steps} updates over {count} training sequences (the paper: lr 1e-4, batch 256, to convergence)");

        var test = results[0].Spec.Data.Test ?? results[0].Spec.Data.Validation!;
        double mean = test.Examples.Average(e => (double)e.Target);
        double variance = test.Examples.Average(e => ((double)e.Target - mean) * ((double)e.Target - mean));
        double threshold = variance / 100;
        bool Solved(RunResult r) => r.TestLoss <= threshold;
        RunResult Of(string label) => results.First(r => r.Label == label);

        var table = new CsvTable("model", "paper_solved", "paper_updates", "solved", "updates", "test_mse", "seconds");
        foreach (var v in Variants)
        {
            var r = Of(v.Label);
            table.Add(v.Label, v.PaperSolved ? "yes" : "no", v.PaperUpdates, Solved(r) ? "yes" : "no",
                v.Skip ? F($"{r.TestUpdateShare:P1}") : "100%", r.TestLoss, r.Seconds);
        }

        var plain = Variants.Where(v => !v.Skip).ToList();
        report.Claims.Add(new Claim("plain-cells-solve",
            "LSTM and GRU solve the adding task at T = 50 (the paper's baselines).",
            plain.All(v => Solved(Of(v.Label))),
            string.Join(", ", plain.Select(v => F($"{v.Label} MSE {Of(v.Label).TestLoss:G3}"))) + F($" (threshold {threshold:G3})")));
        var skip = Variants.Where(v => v.Skip).ToList();
        report.Claims.Add(new Claim("skip-cells-solve",
            "Skip LSTM and Skip GRU solve it too, at λ = 0 and at λ = 1e-5.",
            skip.All(v => Solved(Of(v.Label))),
            string.Join(", ", skip.Select(v => F($"{v.Label} MSE {Of(v.Label).TestLoss:G3}")))));
        (string Free, string Budgeted)[] pairs = [(Variants[1].Label, Variants[2].Label), (Variants[4].Label, Variants[5].Label)];
        report.Claims.Add(new Claim("skip-cells-update-less",
            "Skip cells update the state at fewer than all steps, and the budget λ = 1e-5 makes them update less than λ = 0 (paper: 81% → 54% for the LSTM, 98% → 51% for the GRU).",
            pairs.All(p => Of(p.Budgeted).TestUpdateShare < Of(p.Free).TestUpdateShare) && skip.All(v => Of(v.Label).TestUpdateShare < 1),
            string.Join("; ", pairs.Select(p => F($"{p.Free} {Of(p.Free).TestUpdateShare:P1}, {p.Budgeted} {Of(p.Budgeted).TestUpdateShare:P1}")))));

        report.Paragraph(F($"Each run takes {steps} updates; Campos et al. trained to convergence with a tenth of this learning rate and four times the batch, ") +
            "so a run that is not solved here may only need longer. The share of updates is measured on the test sequences with the trained gates " +
            "(every step of every test sequence, both counted as the paper counts them); the paper's figures are means over its runs.");
        // Categories are the networks; a group of bars per source (the paper, this run).
        var labels = Variants.Select(v => v.Label).ToList();
        var updates = new BarChart { Title = "state updates: the paper and this run", YLabel = "share of steps updated (%)", Categories = labels };
        updates.Series.Add(("Campos et al. 2018", Variants.Select(v => PaperShare(v.PaperUpdates)).ToArray()));
        updates.Series.Add(("this run", Variants.Select(v => v.Skip ? 100 * Of(v.Label).TestUpdateShare : 100).ToArray()));
        report.Figure("updates", updates.ToSvg(), "Share of steps at which the state was updated, the paper's means beside this run's test sequences");
        var error = new BarChart { Title = "test MSE (solved: at most variance / 100)", YLabel = "test MSE", LogY = true, Categories = labels };
        error.Series.Add(("this run", Variants.Select(v => Of(v.Label).TestLoss).ToArray()));
        error.Series.Add(("solved below", Variants.Select(_ => threshold).ToArray()));
        report.Figure("test_mse", error.ToSvg(), "Test MSE of each network beside the threshold for solved");
        report.Table("summary", table);
    }

    // "81.1 ± 3.6%" → 81.1
    private static double PaperShare(string text) =>
        double.Parse(text.Split('%', '±')[0].Trim(), CultureInfo.InvariantCulture);

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
