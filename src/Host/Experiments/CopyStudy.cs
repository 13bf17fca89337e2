using System.Globalization;
using Microsoft.ML;
using Recurrent.Host.Experiments.Reports;
using Recurrent.Host.Experiments.Runs;
using Recurrent.Trainer;

namespace Recurrent.Host.Experiments;

/// <summary>
/// The copying memory problem (Arjovsky, Shah and Bengio 2016; Hochreiter and Schmidhuber 1997), a per-step task:
/// read 10 symbols from 8, wait T steps, and after a marker write the symbols back. A network that remembers
/// nothing can still write blanks and then guess uniformly, a cross-entropy of 10·ln 8/(T + 20) per step (0.173 at
/// T = 100): the baseline every long-memory paper reports against. LSTM, GRU, tanh RNN, IRNN and a dilated tanh RNN
/// train on copy:100 and copy:200 at about 10,000 recurrent weights each; each test cross-entropy is set against
/// the baseline, with the accuracy on the ten copied symbols (chance 1/8) and the gradient of the last step's loss
/// reaching step 1.
/// </summary>
internal sealed class CopyStudy : IStudy
{
    private const string Lstm = "LSTM";
    private const string Gru = "GRU";
    private const string Tanh = "tanh RNN";
    private const string Irnn = "IRNN";
    private const string Dilated = "dilated tanh RNN";
    private static readonly int[] DilationLadder = [1, 2, 4, 8, 16, 32];

    public string Name => "copy";

    public string Summary => "The copying memory problem at T = 100 and 200: five cells against the memoryless baseline 10·ln 8/(T + 20).";

    private sealed record Budget(int[] Lengths, int Count, int Epochs, int Evaluation, float LearningRate);

    public StudyReport Run(StudySettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        // Full: sized for about 15 minutes on a busy 2-core machine (two runs at once, one thread each); the papers
        // train for 10^4 to 10^5 batches, this for 1,500 per run, so it shows who leaves the baseline early, not who
        // copies perfectly in the end.
        var budget = settings.Quick
            ? new Budget([20], 128, 1, 64, 0.001f)
            : new Budget([100, 200], 8000, 6, 500, 0.001f);
        var specs = new List<RunSpec>();
        foreach (var length in budget.Lengths)
        {
            var data = StudyData.Load($"copy:{length}", settings.Seed, budget.Count, budget.Evaluation);
            foreach (var (label, options) in Variants(budget.LearningRate))
            {
                options.Epochs = budget.Epochs;
                options.BatchSize = 32;
                options.Seed = settings.Seed;
                specs.Add(new RunSpec(label, data, options, AnalyzeEvery: settings.Quick ? 1 : 5) { Tags = { ["length"] = length } });
            }
        }
        var results = ExperimentRunner.RunAll(specs, log, cancellationToken);
        return Report(settings, budget, results);
    }

    /// <summary>
    /// About 10,000 recurrent weights each, as in the skip study: LSTM 48 and GRU 56 units, tanh RNN and IRNN 96, six
    /// dilated tanh layers of 32. Adam at the library's default rate, global-norm clipping at 1 for all.
    /// </summary>
    private static IEnumerable<(string Label, SequenceModelOptions Options)> Variants(float rate)
    {
        SequenceModelOptions Cell(RecurrentCellKind cell, int hidden) => new()
        {
            Cell = cell,
            HiddenSize = hidden,
            LearningRate = rate,
            ClipNorm = 1f,
        };
        yield return (Lstm, Cell(RecurrentCellKind.Lstm, 48));
        yield return (Gru, Cell(RecurrentCellKind.Gru, 56));
        yield return (Tanh, Cell(RecurrentCellKind.Rnn, 96));
        var irnn = Cell(RecurrentCellKind.Rnn, 96);
        irnn.Activation = RecurrentActivation.Relu;
        irnn.RecurrentInit = RecurrentInit.Identity;
        yield return (Irnn, irnn);
        var dilated = Cell(RecurrentCellKind.Rnn, 32);
        dilated.Layers = DilationLadder.Length;
        dilated.Dilations = DilationLadder;
        yield return (Dilated, dilated);
    }

    // Accuracy on the copied symbols: the steps whose target is a symbol (classes "1".."8"), i.e. the last ten.
    private static double SymbolAccuracy(RunResult r)
    {
        var classes = r.TestEvaluation?.PerClass;
        if (classes is null)
            return double.NaN;
        var symbols = classes.Where(c => c.Label != "_").ToList();
        var support = symbols.Sum(c => c.Support);
        return support == 0 ? double.NaN : symbols.Sum(c => c.Recall * c.Support) / support;
    }

    private static StudyReport Report(StudySettings settings, Budget budget, IReadOnlyList<RunResult> results)
    {
        var report = new StudyReport("copy", "The copying memory problem: per-step cross-entropy against the memoryless baseline");
        report.Setting["mode"] = settings.Mode;
        report.Setting["task"] = "copy:T (Arjovsky et al. 2016): 10 symbols from 8, T − 1 blanks, a marker, 10 blanks; reproduce the symbols after the marker; the loss averages over all T + 20 steps";
        report.Setting["lengths"] = string.Join(", ", budget.Lengths);
        report.Setting["training"] = F($"{budget.Count} training sequences, {budget.Epochs} epochs of batches of 32 ({budget.Count / 32 * budget.Epochs} steps), {budget.Evaluation} fresh test sequences, Adam lr {budget.LearningRate}, global-norm clip 1, seed {settings.Seed}");
        report.Setting["variants"] = "LSTM 48 units; GRU 56; tanh RNN 96; IRNN (ReLU, W_hh = I) 96; dilated tanh RNN 6 layers × 32, dilations 1,2,4,8,16,32";

        int LengthOf(RunResult r) => (int)r.Spec.Tags["length"];
        double Baseline(int length) => 10 * Math.Log(8) / (length + 20);
        var labels = results.Select(r => r.Label).Distinct().ToList();
        var lengths = results.Select(LengthOf).Distinct().ToList();
        RunResult Of(int length, string label) => results.Single(r => LengthOf(r) == length && r.Label == label);

        var summary = new CsvTable("length", "variant", "parameters", "test_cross_entropy", "baseline", "ratio_to_baseline",
            "token_accuracy", "symbol_accuracy", "seconds", "clip_rate", "trained_log10_ratio");
        foreach (var length in lengths)
        {
            foreach (var label in labels)
            {
                var r = Of(length, label);
                summary.Add(length, label, r.ParameterCount, r.TestLoss, Baseline(length), r.TestLoss / Baseline(length), r.TestAccuracy,
                    SymbolAccuracy(r), r.Seconds, r.ClipRate, r.Final(a => a.Log10VanishingRatio));
            }
        }

        var shortest = lengths.Min();
        // "At the baseline": within 10% of it or below; a network that has not learnt to write blanks is far above.
        var atBaseline = labels.Where(l => Of(shortest, l).TestLoss <= 1.1 * Baseline(shortest)).ToList();
        report.Claims.Add(new Claim("cells-reach-the-baseline",
            F($"Every cell learns the memoryless part at T = {shortest}: blanks until the marker, then a uniform guess, a test cross-entropy within 10% of 10·ln 8/(T + 20) = {Baseline(shortest):F4} or below."),
            atBaseline.Count == labels.Count,
            string.Join("; ", labels.Select(l => F($"{l} {Of(shortest, l).TestLoss:F4}")))));
        // Below the baseline means the network remembers something of the symbols: clearly below (by 10%), and the
        // symbols' accuracy above chance (1/8) by a margin the 5,000 copied symbols of the test set resolve.
        var beating = lengths.SelectMany(length => labels.Where(l => Of(length, l).TestLoss < 0.9 * Baseline(length) && SymbolAccuracy(Of(length, l)) > 0.15)
            .Select(l => F($"{l} at T = {length}"))).ToList();
        report.Claims.Add(new Claim("memory-beats-the-baseline",
            "Some cell remembers the symbols across the delay: its cross-entropy goes clearly below the memoryless baseline (by 10% or more) and it copies more symbols than chance (1/8).",
            beating.Count > 0,
            beating.Count > 0 ? "below the baseline: " + string.Join(", ", beating)
                : "no cell left the baseline within this budget: " + string.Join("; ", lengths.Select(length => F($"T = {length}: best symbol accuracy {labels.Max(l => SymbolAccuracy(Of(length, l))):F3}")))));

        report.Paragraph("The cross-entropy averages over all T + 20 steps, as in Arjovsky et al.: writing blanks until the marker costs almost nothing, " +
            "so the baseline is the price of the ten guesses, 10·ln 8 spread over T + 20 steps. A network at the baseline has learnt the task's " +
            "timing but remembers nothing; the symbol accuracy (on the ten steps after the marker, chance 1/8) shows whether it remembers anything.");
        var chart = new BarChart { Title = "test cross-entropy / baseline", YLabel = "ratio (1 = memoryless)", Categories = labels };
        foreach (var length in lengths)
            chart.Series.Add((F($"copy:{length}"), labels.Select(l => Of(length, l).TestLoss / Baseline(length)).ToArray()));
        report.Figure("ratio", chart.ToSvg(), "Test cross-entropy over the memoryless baseline 10·ln 8/(T + 20), per cell and length (below 1: it remembers)");
        var symbols = new BarChart { Title = "accuracy on the copied symbols", YLabel = "accuracy (chance 0.125)", Categories = labels };
        foreach (var length in lengths)
            symbols.Series.Add((F($"copy:{length}"), labels.Select(l => SymbolAccuracy(Of(length, l))).ToArray()));
        report.Figure("symbols", symbols.ToSvg(), "Accuracy on the ten steps after the marker (chance 1/8)");
        report.Table("summary", summary);
        return report;
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
