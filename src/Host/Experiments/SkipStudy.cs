using System.Globalization;
using Microsoft.ML;
using Recurrent.Host.Experiments.Reports;
using Recurrent.Host.Experiments.Runs;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Experiments;

/// <summary>
/// Seed 001's "different type of RNN (skip RNN)": a dilated tanh RNN, whose layer ℓ reads its state from
/// t − 2^ℓ (Chang et al. 2017), against a plain tanh RNN, an IRNN (ReLU, W_hh = I; Le, Jaitly and Hinton 2015) and
/// an LSTM of similar parameter count, on temporal order at T = 100 and 200 and on Fashion-MNIST read one pixel
/// per step (784 steps). The gradient from step T to step 1 of a dilated stack crosses about T/2^ℓ Jacobians in
/// layer ℓ instead of T: the seeds' ∏ f′·w_h argument with a shorter product.
/// </summary>
internal sealed class SkipStudy : IStudy
{
    private const string Tanh = "tanh RNN";
    private const string Irnn = "IRNN";
    private const string Dilated = "dilated tanh RNN";
    private const string Lstm = "LSTM";
    private const string Pixels = "fashion-mnist-pixels";
    private const double Solved = 0.9;
    private static readonly int[] DilationLadder = [1, 2, 4, 8, 16, 32];

    public string Name => "skip";

    public string Summary => "Skip connections through time (dilated RNN) against tanh RNN, IRNN and LSTM on long tasks.";

    private sealed record Budget(int Count, int Epochs, int Evaluation, int Seeds, float LearningRate);

    public StudyReport Run(StudySettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var quick = settings.Quick;
        // The full setting is sized to finish in about half an hour on a busy 2-core machine. Every variant trains with
        // Adam at the library's default rate 0.001: at 0.003 the six-layer tanh stack saturated and stayed at chance.
        var order = quick ? new Budget(256, 1, 100, 1, 0.001f) : new Budget(4000, 15, 500, 2, 0.001f);
        var pixels = quick ? new Budget(128, 1, 100, 1, 0.001f) : new Budget(16000, 4, 2000, 1, 0.001f);
        var tasks = new (string Spec, string Task, Budget Budget)[]
        {
            ("temporal-order:100", "temporal-order:100", order),
            ("temporal-order:200", "temporal-order:200", order),
            (Pixels, Pixels, pixels),
        };
        var specs = new List<RunSpec>();
        foreach (var (spec, task, budget) in tasks)
        {
            foreach (int seed in settings.Seeds(budget.Seeds))
            {
                var data = StudyData.Load(spec, seed, budget.Count, budget.Evaluation);
                foreach (var (label, options) in Variants(budget.LearningRate))
                {
                    options.Epochs = budget.Epochs;
                    options.BatchSize = 32;
                    options.Seed = seed;
                    specs.Add(new RunSpec(label, data, options, AnalyzeEvery: quick ? 1 : 5)
                    {
                        Tags = { ["task"] = task, ["seed"] = seed },
                    });
                }
            }
        }
        var results = ExperimentRunner.RunAll(specs, log, cancellationToken);
        return Report(settings, order, pixels, results);
    }

    /// <summary>
    /// About 10,000 recurrent weights each: 96 tanh or ReLU units, 48 LSTM units, six dilated layers of 32. Every
    /// variant clips the global norm at 1, as Le et al. and Chang et al. do (the unbounded IRNN needs it).
    /// </summary>
    private static IEnumerable<(string Label, SequenceModelOptions Options)> Variants(float rate)
    {
        SequenceModelOptions Rnn(int hidden) => new()
        {
            Cell = RecurrentCellKind.Rnn,
            HiddenSize = hidden,
            LearningRate = rate,
            ClipNorm = 1f,
        };
        yield return (Tanh, Rnn(96));
        var irnn = Rnn(96);
        irnn.Activation = RecurrentActivation.Relu;
        irnn.RecurrentInit = RecurrentInit.Identity;
        yield return (Irnn, irnn);
        var dilated = Rnn(32);
        dilated.Layers = DilationLadder.Length;
        dilated.Dilations = DilationLadder;
        yield return (Dilated, dilated);
        yield return (Lstm, new SequenceModelOptions { Cell = RecurrentCellKind.Lstm, HiddenSize = 48, LearningRate = rate, ClipNorm = 1f });
    }

    private static StudyReport Report(StudySettings settings, Budget order, Budget pixels, IReadOnlyList<RunResult> results)
    {
        var report = new StudyReport("skip", "Skip connections through time: a dilated RNN on long-range tasks");
        report.Setting["mode"] = settings.Mode;
        report.Setting["tasks"] = "temporal-order:100, temporal-order:200 (4 classes, chance 0.25), fashion-mnist-pixels (784 steps of one pixel, 10 classes)";
        report.Setting["temporal order"] = F($"{order.Count} training sequences, {order.Epochs} epochs, {order.Evaluation} test, Adam lr {order.LearningRate}, seeds {string.Join(" ", settings.Seeds(order.Seeds))}");
        report.Setting["pixels"] = F($"first {pixels.Count} training images, {pixels.Epochs} epochs, first {pixels.Evaluation} t10k test images, Adam lr {pixels.LearningRate}, seed {settings.Seed}");
        report.Setting["variants"] = "tanh RNN 96 units; IRNN (ReLU, W_hh = I) 96; dilated tanh RNN 6 layers × 32, dilations 1,2,4,8,16,32; LSTM 48; batch 32, global-norm clip 1";

        string TaskOf(RunResult r) => (string)r.Spec.Tags["task"];
        var tasks = results.Select(TaskOf).Distinct().ToList();
        var labels = results.Select(r => r.Label).Distinct().ToList();
        IEnumerable<RunResult> Of(string task, string label) => results.Where(r => TaskOf(r) == task && r.Label == label);
        double Mean(string task, string label, Func<RunResult, double> pick) => Stats.Mean(Of(task, label).Select(pick));
        double Accuracy(string task, string label) => Mean(task, label, r => r.TestAccuracy);
        double Untrained(string task, string label) => Mean(task, label, r => r.Initial(a => a.Log10VanishingRatio));
        double Trained(string task, string label) => Mean(task, label, r => r.Final(a => a.Log10VanishingRatio));

        var summary = new CsvTable("task", "variant", "parameters", "test_accuracy", "seconds", "untrained_log10_ratio", "trained_log10_ratio", "trained_horizon_steps");
        foreach (var task in tasks)
        {
            foreach (var label in labels)
            {
                summary.Add(task, label, Of(task, label).First().ParameterCount, Accuracy(task, label), Mean(task, label, r => r.Seconds),
                    Untrained(task, label), Trained(task, label), Mean(task, label, r => r.Final(a => a.MemoryHorizon)));
            }
        }
        var runs = new CsvTable("task", "variant", "seed", "test_accuracy", "test_loss", "seconds", "clip_rate", "nonfinite_steps", "untrained_log10_ratio", "trained_log10_ratio");
        foreach (var r in results)
            runs.Add(TaskOf(r), r.Label, r.Spec.Tags["seed"], r.TestAccuracy, r.TestLoss, r.Seconds, r.ClipRate, r.NonFiniteSteps, r.Initial(a => a.Log10VanishingRatio), r.Final(a => a.Log10VanishingRatio));
        var layers = LayerTable(results, TaskOf);

        const string Short = "temporal-order:100";
        double gain = Trained(Short, Dilated) - Trained(Short, Tanh);
        report.Claims.Add(new Claim("dilated-keeps-gradient",
            "With skips of up to 32 steps the product from step T back to step 1 has far fewer Jacobians: while training at T = 100 the dilated RNN keeps at least 3 decades more gradient at step 1 than the plain tanh RNN (seed 001's skip RNN).",
            gain >= 3,
            F($"log10 g_1/g_T at T=100 over the last fifth of training: {Trained(Short, Tanh):F2} tanh RNN, {Trained(Short, Dilated):F2} dilated ({gain:F2} decades more); untrained: {Untrained(Short, Tanh):F2} vs {Untrained(Short, Dilated):F2}")));
        var orderTasks = tasks.Where(t => t != Pixels).ToList();
        var solvedOnlyByDilated = orderTasks.Where(t => Accuracy(t, Dilated) >= Solved && Accuracy(t, Tanh) < Solved).ToList();
        report.Claims.Add(new Claim("dilated-solves-longer",
            F($"The dilated RNN solves (test accuracy ≥ {Solved}) a temporal-order length the plain tanh RNN cannot."),
            solvedOnlyByDilated.Count > 0,
            string.Join("; ", orderTasks.Select(t => F($"{t}: tanh RNN {Accuracy(t, Tanh):F3}, dilated {Accuracy(t, Dilated):F3}, IRNN {Accuracy(t, Irnn):F3}, LSTM {Accuracy(t, Lstm):F3}")))));
        if (tasks.Contains(Pixels))
        {
            double tanh = Accuracy(Pixels, Tanh), irnn = Accuracy(Pixels, Irnn), dilated = Accuracy(Pixels, Dilated);
            report.Claims.Add(new Claim("pixels-irnn-and-dilated-beat-tanh",
                "On the 784-step pixel task both the IRNN and the dilated RNN reach a higher test accuracy than the plain tanh RNN (Le et al. 2015, Chang et al. 2017).",
                irnn > tanh && dilated > tanh,
                F($"test accuracy: tanh RNN {tanh:F3}, IRNN {irnn:F3}, dilated {dilated:F3}, LSTM {Accuracy(Pixels, Lstm):F3} (chance 0.1)")));
        }

        report.Paragraph("g_t is measured on the first layer (dilation 1) at every real time step, exactly as for undilated networks; in the dilated stack " +
            "the gradient reaches step 1 of that layer mostly through the layers above, whose state at t comes from t − 2^ℓ.");
        // One bar chart per figure: a group of bars per task, a bar per network.
        void Bars(string name, string title, string yLabel, Func<string, string, double> value, string caption)
        {
            var chart = new BarChart { Title = title, YLabel = yLabel, Categories = labels };
            foreach (var task in tasks)
                chart.Series.Add((task, labels.Select(l => value(task, l)).ToArray()));
            report.Figure(name, chart.ToSvg(), caption);
        }
        Bars("accuracy", "test accuracy", "accuracy", Accuracy, "Mean test accuracy per task (chance: 0.25 temporal order, 0.1 pixels)");
        Bars("untrained_ratio", "gradient reaching step 1, untrained: log10 g_1/g_T", "log10 g_1/g_T", Untrained,
            "Vanishing ratio of the untrained networks (higher: more gradient reaches the start)");
        Bars("trained_ratio", "gradient reaching step 1, trained: log10 g_1/g_T", "log10 g_1/g_T", Trained,
            "Vanishing ratio over the last fifth of training");
        Bars("time", "training time per run", "seconds (one thread)", (task, label) => Mean(task, label, r => r.Seconds),
            "Mean wall time of one training run on one thread (busy 2-core machine)");
        report.Table("summary", summary);
        report.Heading("Jacobian bound per layer");
        report.Paragraph("γ·σ_max(W_hh) of layer ℓ bounds ‖∂s_t/∂s_{t−d}‖ of one hop of d = 2^ℓ steps, so over T steps the layer multiplies at most " +
            "⌈T/d⌉ such factors: log10(γσ_max)/d is its bound per time step. Below, the dilated RNN's layers on the first seed, before and after training.");
        report.Table("layers", layers.Shown);
        report.Table("layers_all_runs", layers.All, show: false);
        report.Table("runs", runs, show: false);
        return report;
    }

    private static (CsvTable Shown, CsvTable All) LayerTable(IReadOnlyList<RunResult> results, Func<RunResult, string> taskOf)
    {
        string[] columns = ["task", "variant", "seed", "layer", "dilation", "untrained_log10_bound", "trained_log10_bound", "untrained_per_step", "trained_per_step"];
        var all = new CsvTable(columns);
        var shown = new CsvTable(columns);
        var firstSeed = results.Min(r => (int)r.Spec.Tags["seed"]);
        foreach (var r in results)
        {
            for (var i = 0; i < r.InitialLayerBounds.Count; i++)
            {
                var layer = r.InitialLayerBounds[i].Layer;
                var index = int.Parse(layer.Split('_')[0], CultureInfo.InvariantCulture);
                var d = r.Spec.Options.Dilations?[index] ?? 1;
                var initial = r.InitialLayerBounds[i].Log10Bound;
                var final = r.FinalLayerBounds.Count > i ? r.FinalLayerBounds[i].Log10Bound : double.NaN;
                object[] row = [taskOf(r), r.Label, r.Spec.Tags["seed"], layer, d, initial, final, initial / d, final / d];
                all.Add(row);
                if (r.Label == Dilated && (int)r.Spec.Tags["seed"] == firstSeed)
                    shown.Add(row);
            }
        }
        return (shown, all);
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
