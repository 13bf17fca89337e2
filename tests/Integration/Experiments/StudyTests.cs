using Recurrent.Host.Experiments;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.Experiments;

/// <summary>
/// Every study of `recurrent experiment` in its quick setting: the report and its files, and the direction of
/// each claim that the quick setting measures robustly. Claims the quick budget cannot settle (such as which
/// cell solves the longest task) are checked only for being reported.
/// </summary>
public sealed class StudyTests
{
    [Fact]
    public void Vanishing_rnn_gradient_shrinks_with_length()
    {
        var output = RunQuick("vanishing");
        Assert.True(output.Held("rnn-vanishes-with-length"));
        var rnn = output.Table("runs").Where(r => r.GetProperty("cell").GetString() == "tanh RNN" && r.GetProperty("task").GetString() == "temporal-order")
            .OrderBy(r => r.GetProperty("length").GetDouble()).ToList();
        Assert.True(rnn[^1].GetProperty("initial_log10_ratio").GetDouble() < rnn[0].GetProperty("initial_log10_ratio").GetDouble());
        foreach (var id in new[] { "gated-cells-keep-gradient", "gated-cells-solve-longer-temporal-order", "gated-cells-solve-longer-adding", "rnn-adding-degrades-with-length" })
            _ = output.Held(id);
    }

    [Fact]
    public void Jacobian_bound_holds_at_every_step()
    {
        var output = RunQuick("jacobian-bound");
        Assert.True(output.Held("decay-within-bound"));
        Assert.True(output.Held("every-step-within-bound"));
        Assert.True(output.Held("bound-below-one-vanishes"));
        foreach (var run in output.Table("runs"))
        {
            Assert.True(run.GetProperty("min_margin_decay").GetDouble() >= -1e-4);
            Assert.True(run.GetProperty("analysed_steps").GetDouble() > 0);
        }
        // Sigmoid's γ = 1/4 keeps every run's bound below 1 from the start, where tanh's need not be.
        Assert.Contains(output.Table("runs"), r => r.GetProperty("activation").GetString()!.StartsWith("sigmoid", StringComparison.Ordinal)
            && r.GetProperty("bound_below_1_steps").GetDouble() == r.GetProperty("analysed_steps").GetDouble());
    }

    [Fact]
    public void Exploding_gradient_is_tamed_by_clipping()
    {
        var output = RunQuick("exploding");
        Assert.True(output.Held("unclipped-gradient-explodes"));
        Assert.True(output.Held("clipping-stabilises"));
        Assert.True(output.Held("clipping-fires"));
        var runs = output.Table("runs");
        double NonFinite(string variant) => runs.Where(r => r.GetProperty("variant").GetString() == variant).Sum(r => r.GetProperty("nonfinite_steps").GetDouble());
        Assert.True(NonFinite("norm clip 1") <= NonFinite("no clipping"));
    }

    [Fact]
    public void Remedies_initialisation_and_gates_help()
    {
        var output = RunQuick("remedies");
        Assert.True(output.Held("initialisation-keeps-gradient"));
        Assert.True(output.Held("gated-cells-beat-baseline"));
        _ = output.Held("omega-keeps-gradient");
        Assert.Equal(10, output.Table("summary").Count);
    }

    [Fact]
    public void Pascanu_omega_keeps_more_gradient_than_clipping_alone()
    {
        var output = RunQuick("pascanu");
        Assert.True(output.Held("omega-counters-vanishing"));
        Assert.True(output.Held("plain-sgd-fails-as-length-grows"));
        _ = output.Held("clipping-with-omega-solves");
        Assert.All(output.Table("runs"), r => Assert.InRange(r.GetProperty("test_error").GetDouble(), 0, 1));
    }

    [Fact]
    public void Agreement_rnn_loses_the_subject_over_distance()
    {
        var output = RunQuick("agreement");
        Assert.True(output.Held("rnn-loses-subject-with-distance"));
        _ = output.Held("lstm-keeps-subject");
        Assert.Contains("→ **", output.Markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Skip_dilated_rnn_keeps_more_gradient_than_the_tanh_rnn()
    {
        var output = RunQuick("skip");
        foreach (var id in new[] { "dilated-keeps-gradient", "dilated-solves-longer", "pixels-irnn-and-dilated-beat-tanh" })
            _ = output.Held(id);
        var summary = output.Table("summary");
        Assert.Equal(12, summary.Count);
        double Untrained(string task, string variant) => summary.Single(r => r.GetProperty("task").GetString() == task
            && r.GetProperty("variant").GetString() == variant).GetProperty("untrained_log10_ratio").GetDouble();
        // Even one untrained batch shows the shorter product: more gradient reaches step 1 through the skips.
        foreach (var task in new[] { "temporal-order:100", "temporal-order:200", "fashion-mnist-pixels" })
            Assert.True(Untrained(task, "dilated tanh RNN") > Untrained(task, "tanh RNN") + 1, task);
        var layers = output.Table("layers").Where(r => r.GetProperty("task").GetString() == "temporal-order:100").ToList();
        Assert.Equal([1, 2, 4, 8, 16, 32], layers.Select(r => (int)r.GetProperty("dilation").GetDouble()));
        Assert.All(layers, r => Assert.True(double.IsFinite(r.GetProperty("untrained_log10_bound").GetDouble())));
        Assert.All(layers, r => Assert.Equal(r.GetProperty("untrained_log10_bound").GetDouble() / r.GetProperty("dilation").GetDouble(),
            r.GetProperty("untrained_per_step").GetDouble(), 9));
    }

    [Fact]
    public void Copy_sets_every_cells_cross_entropy_against_the_memoryless_baseline()
    {
        var output = RunQuick("copy");
        // One epoch at T = 20 settles neither claim; both must be reported.
        foreach (var id in new[] { "cells-reach-the-baseline", "memory-beats-the-baseline" })
            _ = output.Held(id);
        var summary = output.Table("summary");
        Assert.Equal(["LSTM", "GRU", "tanh RNN", "IRNN", "dilated tanh RNN"], summary.Select(r => r.GetProperty("variant").GetString()));
        foreach (var row in summary)
        {
            Assert.Equal(20, row.GetProperty("length").GetDouble());
            Assert.Equal(10 * Math.Log(8) / 40, row.GetProperty("baseline").GetDouble(), 9);
            Assert.Equal(row.GetProperty("test_cross_entropy").GetDouble() / row.GetProperty("baseline").GetDouble(),
                row.GetProperty("ratio_to_baseline").GetDouble(), 9);
            Assert.InRange(row.GetProperty("symbol_accuracy").GetDouble(), 0, 1);
            Assert.InRange(row.GetProperty("token_accuracy").GetDouble(), 0, 1);
        }
    }

    [Fact]
    public void Command_line_writes_the_report_and_rejects_an_unknown_study()
    {
        using var directory = new TemporaryDirectory();
        var run = RecurrentCli.Run("experiment", "jacobian-bound", "--quick", "--out", directory.Path);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("held: decay-within-bound", run.Output, StringComparison.Ordinal);
        new StudyOutput(directory.Path).CheckFiles();

        var unknown = RecurrentCli.Run("experiment", "no-such-study");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("not a study", unknown.Error, StringComparison.Ordinal);

        // --part names a part of a study that has parts.
        var noParts = RecurrentCli.Run("experiment", "jacobian-bound", "--part", "pixels", "--quick");
        Assert.Equal(2, noParts.ExitCode);
        Assert.Contains("--part: jacobian-bound has no parts", noParts.Error, StringComparison.Ordinal);
        var wrongPart = RecurrentCli.Run("experiment", "skip-updates", "--part", "mnist", "--quick");
        Assert.Equal(2, wrongPart.ExitCode);
        Assert.Contains("--part: skip-updates has no part 'mnist'; choose one of adding, pixels", wrongPart.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Skip_updates_reports_the_papers_table_beside_its_own()
    {
        var output = RunQuick("skip-updates");
        foreach (var id in new[] { "plain-cells-solve", "skip-cells-solve", "skip-cells-update-less" })
            _ = output.Held(id);
        var summary = output.Table("summary");
        Assert.Equal(["LSTM", "Skip LSTM, λ = 0", "Skip LSTM, λ = 1e-5", "GRU", "Skip GRU, λ = 0", "Skip GRU, λ = 1e-5"],
            summary.Select(r => r.GetProperty("model").GetString()!));
        Assert.Equal("53.9 ± 2.1%", summary[2].GetProperty("paper_updates").GetString());
        foreach (var row in summary)
        {
            Assert.InRange(row.GetProperty("test_mse").GetDouble(), 1e-9, 10);
            var updates = row.GetProperty("updates").GetString()!;
            // Measured on the test sequences with the trained gates: a percentage, 100% for the plain cells.
            var share = double.Parse(updates.TrimEnd('%').Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(share, 1, 100);
            if (!row.GetProperty("model").GetString()!.StartsWith("Skip", StringComparison.Ordinal))
                Assert.Equal("100%", updates);
        }

        // The pixel part: every claim decided, the skip cells beside the plain cells and the dilated RNN.
        foreach (var id in new[] { "pixels-skip-update-less", "pixels-skip-keeps-accuracy", "pixels-learned-vs-dilated" })
            _ = output.Held(id);
        var pixels = output.Table("pixels");
        Assert.Equal(["LSTM", "Skip LSTM, λ = 0", "Skip LSTM, λ = 1e-5", "GRU", "Skip GRU, λ = 0", "Skip GRU, λ = 1e-5", "dilated tanh RNN"],
            pixels.Select(r => r.GetProperty("model").GetString()!));
        foreach (var row in pixels)
        {
            Assert.InRange(row.GetProperty("test_accuracy").GetDouble(), 0, 1);
            var updates = row.GetProperty("updates_per_sequence").GetDouble();
            if (row.GetProperty("model").GetString()!.StartsWith("Skip", StringComparison.Ordinal))
                Assert.InRange(updates, 1, 784);
            else
                Assert.Equal(784, updates);
        }
    }

    private static StudyOutput RunQuick(string name)
    {
        using var directory = new TemporaryDirectory();
        var study = Studies.Find(name)!;
        var report = study.Run(new StudySettings(Quick: true, Seed: 1), TextWriter.Null, CancellationToken.None);
        report.Write(directory.Path);
        var output = new StudyOutput(directory.Path);
        output.CheckFiles();
        return output;
    }
}
