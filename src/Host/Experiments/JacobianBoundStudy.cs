using System.Globalization;
using Microsoft.ML;
using Recurrent.Host.Experiments.Reports;
using Recurrent.Host.Experiments.Runs;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Experiments;

/// <summary>
/// Seed 003: ‖∂h_i/∂h_{i−1}‖ ≤ γ·σ_max(W_hh) with γ = 1 for tanh and ¼ for sigmoid, so the measured decay per
/// step can never exceed log10(γ·σ_max). Checked at every analysed step of tanh and sigmoid RNNs started from
/// three initialisations, both for the median decay κ and for the largest single step of any sample.
/// </summary>
internal sealed class JacobianBoundStudy : IStudy
{
    // float32 norms carry about 7 digits; a ratio of two of them may overshoot an exact bound by rounding alone.
    private const double RoundingSlack = 1e-4;

    public string Name => "jacobian-bound";

    public string Summary => "tanh and sigmoid RNNs: measured decay per step against log10(γ·σ_max(W_hh)).";

    public StudyReport Run(StudySettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        int length = settings.Quick ? 20 : 50, count = settings.Quick ? 320 : 2000, epochs = settings.Quick ? 2 : 8;
        var data = StudyData.Load($"temporal-order:{length}", settings.Seed, count, 200);
        var specs = new List<RunSpec>();
        foreach (var activation in new[] { RecurrentActivation.Tanh, RecurrentActivation.Sigmoid })
        {
            foreach (var init in new[] { RecurrentInit.Xavier, RecurrentInit.Orthogonal, RecurrentInit.Identity })
            {
                // A larger learning rate moves W_hh further, so the runs sweep a wide range of σ_max.
                foreach (float rate in settings.Quick ? [0.01f] : new[] { 0.003f, 0.03f })
                {
                    var options = new SequenceModelOptions
                    {
                        Cell = RecurrentCellKind.Rnn,
                        Activation = activation,
                        RecurrentInit = init,
                        HiddenSize = 32,
                        Epochs = epochs,
                        BatchSize = 32,
                        LearningRate = rate,
                        Seed = settings.Seed,
                    };
                    specs.Add(new RunSpec(ActivationName(activation), data, options, AnalyzeEvery: settings.Quick ? 1 : 2)
                    {
                        Tags = { ["init"] = init.ToString().ToLowerInvariant(), ["lr"] = rate },
                    });
                }
            }
        }
        var results = ExperimentRunner.RunAll(specs, log, cancellationToken);
        return Report(settings, length, count, epochs, results);
    }

    private static string ActivationName(RecurrentActivation activation) => activation == RecurrentActivation.Tanh ? "tanh (γ = 1)" : "sigmoid (γ = 1/4)";

    private static StudyReport Report(StudySettings settings, int length, int count, int epochs, IReadOnlyList<RunResult> results)
    {
        var report = new StudyReport("jacobian-bound", "The Jacobian bound: measured decay never exceeds log10(γ·σ_max(W_hh))");
        report.Setting["mode"] = settings.Mode;
        report.Setting["task"] = $"temporal-order:{length}";
        report.Setting["hidden"] = 32;
        report.Setting["training sequences"] = count;
        report.Setting["epochs"] = epochs;
        report.Setting["optimizer"] = "Adam, batch 32, no clipping";
        report.Setting["seed"] = settings.Seed;

        var steps = new CsvTable("activation", "init", "lr", "step", "log10_bound", "decay_per_step", "max_log10_step_factor");
        var runs = new CsvTable("activation", "init", "lr", "analysed_steps", "min_margin_decay", "min_margin_single_step",
            "bound_below_1_steps", "vanishing_when_bound_below_1", "test_accuracy");
        double worstDecayMargin = double.PositiveInfinity, worstStepMargin = double.PositiveInfinity;
        int checkedSteps = 0, belowOne = 0, vanishedBelowOne = 0;
        foreach (var r in results)
        {
            double decayMargin = double.PositiveInfinity, stepMargin = double.PositiveInfinity;
            int runBelow = 0, runVanished = 0;
            foreach (var a in r.Analyses)
            {
                steps.Add(r.Label, r.Spec.Tags["init"], r.Spec.Tags["lr"], a.Step, a.Log10JacobianBound, a.DecayPerStep, a.MaxLog10StepFactor);
                if (double.IsFinite(a.DecayPerStep))
                {
                    decayMargin = Math.Min(decayMargin, a.Log10JacobianBound - a.DecayPerStep);
                    checkedSteps++;
                }
                if (double.IsFinite(a.MaxLog10StepFactor))
                    stepMargin = Math.Min(stepMargin, a.Log10JacobianBound - a.MaxLog10StepFactor);
                if (a.Log10JacobianBound < 0 && double.IsFinite(a.DecayPerStep))
                {
                    runBelow++;
                    if (a.DecayPerStep < 0)
                        runVanished++;
                }
            }
            runs.Add(r.Label, r.Spec.Tags["init"], r.Spec.Tags["lr"], r.Analyses.Count, decayMargin, stepMargin, runBelow, runVanished, r.TestAccuracy);
            worstDecayMargin = Math.Min(worstDecayMargin, decayMargin);
            worstStepMargin = Math.Min(worstStepMargin, stepMargin);
            belowOne += runBelow;
            vanishedBelowOne += runVanished;
        }

        report.Claims.Add(new Claim("decay-within-bound",
            "The measured decay per step κ (median over the batch) never exceeds log10(γ·σ_max(W_hh)) (seed 003).",
            worstDecayMargin >= -RoundingSlack,
            F($"{checkedSteps} analysed steps in {results.Count} runs; smallest margin log10(γσ) − κ = {worstDecayMargin:F4} decades")));
        report.Claims.Add(new Claim("every-step-within-bound",
            "Stronger: no single step of any sample multiplies the adjoint by more than γ·σ_max, since ‖diag(f′)W‖ ≤ γ‖W‖.",
            worstStepMargin >= -RoundingSlack,
            F($"smallest margin log10(γσ) − max_t log10(g_t/g_(t+1)) = {worstStepMargin:F4} decades")));
        report.Claims.Add(new Claim("bound-below-one-vanishes",
            "Whenever γ·σ_max < 1 the gradient vanishes (κ < 0): sufficient condition of seed 003.",
            belowOne > 0 && vanishedBelowOne == belowOne,
            F($"{vanishedBelowOne} of {belowOne} analysed steps with γσ < 1 had κ < 0")));

        report.Paragraph("κ is the diagnostics' decay per step, log10(g_1/g_T)/(T−1), the median over the batch; σ_max(W_hh) is " +
            "found by 40 warm-started power iterations per analysed step on the weights the forward pass used. With the loss " +
            "entering only at the last step, a_t = W_hhᵀ diag(f′(z_(t+1))) a_(t+1), so every single-step factor is bounded too. " +
            "The margin is how far below the bound the measurement stayed (positive: the bound held).");
        foreach (var activation in results.Select(r => r.Label).Distinct())
        {
            var chart = new LineChart
            {
                Title = $"{activation}: decay per step against the bound",
                XLabel = "log10(γ·σ_max(W_hh))",
                YLabel = "decades per step",
            };
            var mine = results.Where(r => r.Label == activation).SelectMany(r => r.Analyses).ToList();
            chart.Series.Add(new ChartSeries("median κ", mine.Select(a => a.Log10JacobianBound).ToArray(),
                mine.Select(a => a.DecayPerStep).ToArray(), SeriesStyle.Markers));
            chart.Series.Add(new ChartSeries("largest single step", mine.Select(a => a.Log10JacobianBound).ToArray(),
                mine.Select(a => a.MaxLog10StepFactor).ToArray(), SeriesStyle.Markers));
            chart.ReferenceLines.Add(("bound y = x", 1, 0));
            string stem = activation.StartsWith("tanh", StringComparison.Ordinal) ? "tanh" : "sigmoid";
            report.Figure($"{stem}_scatter", chart.ToSvg(), $"{activation}: every analysed step; points must stay below the dashed line");
        }
        var over = new LineChart { Title = "bound and decay during training (tanh, Xavier)", XLabel = "optimizer step", YLabel = "decades per step" };
        var example = results.First(r => r.Label.StartsWith("tanh", StringComparison.Ordinal) && (string)r.Spec.Tags["init"] == "xavier");
        var x = example.Analyses.Select(a => (double)a.Step).ToArray();
        over.Series.Add(new ChartSeries("log10(γσ_max)", x, example.Analyses.Select(a => a.Log10JacobianBound).ToArray(), SeriesStyle.Line));
        over.Series.Add(new ChartSeries("largest single step", x, example.Analyses.Select(a => a.MaxLog10StepFactor).ToArray(), SeriesStyle.Line));
        over.Series.Add(new ChartSeries("median κ", x, example.Analyses.Select(a => a.DecayPerStep).ToArray(), SeriesStyle.Line));
        report.Figure("tanh_xavier_over_training", over.ToSvg(), "One run over training: the measured decay stays under the bound as W_hh changes");
        report.Table("runs", runs);
        report.Table("steps", steps, show: false);
        return report;
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
