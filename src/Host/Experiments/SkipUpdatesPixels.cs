using System.Globalization;
using Microsoft.ML;
using Recurrent.Host.Experiments.Reports;
using Recurrent.Host.Experiments.Runs;
using Recurrent.Trainer;

namespace Recurrent.Host.Experiments;

/// <summary>
/// The pixel part of the skip-updates study: Campos et al. 2018 report sequential MNIST (784 pixels, 110 units, 600
/// epochs); MNIST is not on these machines, so pixel Fashion-MNIST stands in, scaled to a quarter of an hour on a
/// shared 2-core machine: the first 8,000 training images, 3 epochs, and the skip study's network sizes (~10,000
/// recurrent weights each) so that its dilated RNN runs here on the same footing. Skip LSTM and Skip GRU at λ = 0 and 1e-5 against the plain cells
/// of the same size: test accuracy and state updates per sequence of 784 steps.
/// </summary>
internal static class SkipUpdatesPixels
{
    public const string Task = "fashion-mnist-pixels";

    /// <summary>The name of this part for <c>--part</c>.</summary>
    public const string Part = "pixels";
    private const int Steps = 784;
    private const int LstmUnits = 48, GruUnits = 56, DilatedUnits = 32;
    private const float LearningRate = 1e-3f;
    private const int Batch = 32;
    private const double Tolerance = 0.01;
    private static readonly int[] DilationLadder = [1, 2, 4, 8, 16, 32];

    private sealed record Variant(string Label, RecurrentCellKind Cell, int Hidden, bool Skip, float Budget);

    private static readonly Variant[] Variants =
    [
        new("LSTM", RecurrentCellKind.Lstm, LstmUnits, false, 0),
        new("Skip LSTM, λ = 0", RecurrentCellKind.Lstm, LstmUnits, true, 0),
        new("Skip LSTM, λ = 1e-5", RecurrentCellKind.Lstm, LstmUnits, true, 1e-5f),
        new("GRU", RecurrentCellKind.Gru, GruUnits, false, 0),
        new("Skip GRU, λ = 0", RecurrentCellKind.Gru, GruUnits, true, 0),
        new("Skip GRU, λ = 1e-5", RecurrentCellKind.Gru, GruUnits, true, 1e-5f),
    ];

    /// <summary>A budget "updates less" when it saves at least this share of the steps (8 of 784), not a rounding.</summary>
    private const double ClearlyFewer = 0.01;

    private const string Dilated = "dilated tanh RNN";

    private sealed record Budget(int Images, int Epochs, int TestImages);

    private static Budget BudgetOf(StudySettings settings) =>
        settings.Quick ? new Budget(64, 1, 50) : new Budget(8000, 3, 2000);

    public static IEnumerable<RunSpec> Specs(StudySettings settings)
    {
        var budget = BudgetOf(settings);
        var data = StudyData.Load(Task, settings.Seed, budget.Images, budget.TestImages);
        foreach (var v in Variants)
        {
            var options = new SequenceModelOptions
            {
                Cell = v.Cell,
                HiddenSize = v.Hidden,
                SkipUpdates = v.Skip,
                SkipUpdateBudget = v.Budget,
            };
            yield return Spec(v.Label, data, options, budget, settings);
        }
        var dilated = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Rnn,
            HiddenSize = DilatedUnits,
            Layers = DilationLadder.Length,
            Dilations = DilationLadder,
        };
        yield return Spec(Dilated, data, dilated, budget, settings);
    }

    private static RunSpec Spec(string label, Trainer.Data.DatasetSplits data, SequenceModelOptions options, Budget budget, StudySettings settings)
    {
        options.LearningRate = LearningRate;
        options.BatchSize = Batch;
        options.ClipNorm = 1f;
        options.Epochs = budget.Epochs;
        options.Seed = settings.Seed;
        return new RunSpec(label, data, options, AnalyzeEvery: settings.Quick ? 1 : 25) { Tags = { ["task"] = Task, ["seed"] = settings.Seed } };
    }

    public static void Report(StudyReport report, StudySettings settings, IReadOnlyList<RunResult> results)
    {
        var budget = BudgetOf(settings);
        RunResult Of(string label) => results.First(r => r.Label == label);
        double UpdatesPerSequence(RunResult r) => r.Spec.Options.SkipUpdates ? r.TestUpdateShare * Steps : Steps;

        report.Setting["pixels"] = F($"{Task}: first {budget.Images} training images, {budget.Epochs} epochs, first {budget.TestImages} t10k test images; LSTM {LstmUnits} units, GRU {GruUnits}, dilated tanh RNN {DilationLadder.Length} × {DilatedUnits} (dilations {string.Join(",", DilationLadder)}); Adam lr {LearningRate}, batch {Batch}, clip 1 (the paper: sequential MNIST, 110 units, lr 1e-4, batch 256, 600 epochs of 60,000 images)");

        var labels = Variants.Select(v => v.Label).Append(Dilated).ToList();
        var table = new CsvTable("model", "parameters", "test_accuracy", "updates_per_sequence", "update_share", "seconds");
        foreach (var label in labels)
        {
            var r = Of(label);
            table.Add(label, r.ParameterCount, r.TestAccuracy, UpdatesPerSequence(r),
                r.Spec.Options.SkipUpdates ? F($"{r.TestUpdateShare:P1}") : "100%", r.Seconds);
        }

        (string Plain, string Free, string Budgeted)[] cells =
            [(Variants[0].Label, Variants[1].Label, Variants[2].Label), (Variants[3].Label, Variants[4].Label, Variants[5].Label)];
        report.Claims.Add(new Claim("pixels-skip-update-less",
            F($"On {Steps}-step pixel sequences the skip cells update the state at fewer than all steps, and λ = 1e-5 at clearly fewer than λ = 0 (at least {ClearlyFewer:P0} of the steps; paper, MNIST: Skip LSTM 379 and Skip GRU 393 of 784 with its budget)."),
            cells.All(c => Of(c.Budgeted).TestUpdateShare <= Of(c.Free).TestUpdateShare - ClearlyFewer && Of(c.Free).TestUpdateShare < 1),
            string.Join("; ", cells.Select(c => F($"{c.Free} {UpdatesPerSequence(Of(c.Free)):F1}, {c.Budgeted} {UpdatesPerSequence(Of(c.Budgeted)):F1} of {Steps}")))));
        report.Claims.Add(new Claim("pixels-skip-keeps-accuracy",
            F($"Skipping costs no accuracy: each skip cell at λ = 1e-5 reaches the plain cell's test accuracy (within {Tolerance}) with fewer updates (paper, MNIST: Skip LSTM 0.973, Skip GRU 0.976)."),
            cells.All(c => Of(c.Budgeted).TestAccuracy >= Of(c.Plain).TestAccuracy - Tolerance),
            string.Join("; ", cells.Select(c => F($"{c.Plain} {Of(c.Plain).TestAccuracy:F3}, {c.Free} {Of(c.Free).TestAccuracy:F3}, {c.Budgeted} {Of(c.Budgeted).TestAccuracy:F3}")))));
        var bestSkip = Variants.Where(v => v.Skip).Max(v => Of(v.Label).TestAccuracy);
        report.Claims.Add(new Claim("pixels-learned-vs-dilated",
            "The two readings of \"skip RNN\" side by side: a learned skip cell reaches at least the dilated RNN's test accuracy at the same budget.",
            bestSkip >= Of(Dilated).TestAccuracy,
            F($"best skip cell {bestSkip:F3}, dilated tanh RNN {Of(Dilated).TestAccuracy:F3} (784 updates per layer)")));

        report.Heading("Pixel Fashion-MNIST (784 steps)");
        report.Paragraph(F($"Sequential MNIST is the paper's task; it is not on these machines, and pixel Fashion-MNIST is harder (the skip study's plain cells stay near 0.5 at this budget). ") +
            F($"Each network sees {budget.Images} images {budget.Epochs} times, a small fraction of the paper's 600 epochs of 60,000: the figures compare the networks at one small budget, not the paper's converged accuracies. ") +
            "Updates per sequence are counted on the test images with the trained gates; the dilated RNN updates every layer at every step.");
        var accuracy = new BarChart { Title = "pixel Fashion-MNIST: test accuracy", YLabel = "accuracy", Categories = labels };
        accuracy.Series.Add(("this run", labels.Select(l => Of(l).TestAccuracy).ToArray()));
        report.Figure("pixels_accuracy", accuracy.ToSvg(), "Test accuracy on the first t10k images (chance 0.1)");
        var updates = new BarChart { Title = "pixel Fashion-MNIST: state updates per sequence", YLabel = F($"updates of {Steps}"), Categories = labels };
        updates.Series.Add(("this run", labels.Select(l => UpdatesPerSequence(Of(l))).ToArray()));
        report.Figure("pixels_updates", updates.ToSvg(), "State updates per test sequence of 784 steps (per layer for the dilated RNN)");
        report.Table("pixels", table);
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
