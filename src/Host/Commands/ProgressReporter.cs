using System.Globalization;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Commands;

/// <summary>
/// The training progress of <c>recurrent train</c>. On a terminal: a bar within each epoch, redrawn in place five
/// times a second, with the batch count, steps/s, the epoch's and the run's ETA, and the running figures. Otherwise
/// (output to a file or a pipe): plain lines, one per finished epoch and, in an epoch longer than
/// <see cref="PlainEvery"/>, a progress line at that interval, so a 784-step pixel epoch is not two silent minutes
/// in a log either. Figures: loss, accuracy, sequences/s, and from the run's <see cref="GradientMonitor"/>, which
/// this reporter feeds, the last pre-clip gradient norm, the epoch's clip rate, and the vanishing ratio and memory
/// horizon of the last step (analysed only when a line is written, unless the monitor records metrics); the epoch's
/// line adds its last step's detail (<see cref="GradientDetailSummary"/>: the skip-update share, the weakest path, the
/// most saturated unit, the update-to-weight ratios).
/// </summary>
internal sealed class ProgressReporter : ITrainingObserver
{
    /// <summary>Interval of the progress lines within an epoch when the output is not a terminal.</summary>
    public static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan RedrawEvery = TimeSpan.FromMilliseconds(200);
    private const int BarWidth = 20;

    private readonly TextWriter _output;
    private readonly int _epochs;
    private readonly bool _interactive;
    private readonly TimeProvider _clock;
    private readonly Func<int> _terminalWidth;
    private readonly GradientMonitor _monitor;
    private long _epochStarted, _lastLine;
    // Loss and accuracy are averaged over what the batches scored: sequences, or a per-step head's labelled steps.
    private long _epochSequences, _epochScored, _epochCorrect;
    private double _epochLoss;
    private string _gradientHealth = "";
    private string _gradientDetail = "";

    /// <param name="output">Where the lines go (stdout).</param>
    /// <param name="epochs">Epochs of the run, for "epoch 3/10" and the run's ETA.</param>
    /// <param name="interactive">True when <paramref name="output"/> is a terminal: draw the bar in place.</param>
    /// <param name="clock">The time source (tests pass their own).</param>
    /// <param name="terminalWidth">Columns of the terminal (0: no limit), read at each redraw so a resize is
    /// followed; a bar longer than the terminal would wrap and every redraw would start a new line.</param>
    /// <param name="monitor">The run's monitor (the one recording its metrics, with <c>--metrics-port</c>), which
    /// this reporter feeds; null: a monitor of its own, without metrics.</param>
    public ProgressReporter(TextWriter output, int epochs, bool interactive, TimeProvider? clock = null, Func<int>? terminalWidth = null,
        GradientMonitor? monitor = null)
    {
        _monitor = monitor ?? new GradientMonitor(null, "progress");
        _output = output;
        _epochs = epochs;
        _interactive = interactive;
        _clock = clock ?? TimeProvider.System;
        _terminalWidth = terminalWidth ?? ConsoleWidth;
        _epochStarted = _lastLine = _clock.GetTimestamp();
    }

    public void OnStep(StepReport step)
    {
        var lastOfEpoch = step.BatchInEpoch == step.BatchesPerEpoch;
        var sinceLine = _clock.GetElapsedTime(_lastLine);
        // On a terminal the bar appears at an epoch's first step, however fast the machine, then every 200 ms.
        var write = !lastOfEpoch && (_interactive ? step.BatchInEpoch == 1 || sinceLine >= RedrawEvery : sinceLine >= PlainEvery);
        // Only the steps a line shows need their ratios (unless the monitor records metrics, which take every step).
        var record = _monitor.Observe(step, analyze: write || lastOfEpoch);
        if (step.BatchInEpoch == 1)
        {
            _epochSequences = _epochScored = _epochCorrect = 0;
            _epochLoss = 0;
        }
        _epochSequences += step.Sequences;
        _epochScored += step.LabelledSteps;
        _epochCorrect += step.Correct;
        if (double.IsFinite(step.Loss))
            _epochLoss += step.Loss * step.LabelledSteps;
        if (write || lastOfEpoch)
            _gradientHealth = Describe(record);
        if (lastOfEpoch)
            _gradientDetail = GradientDetailSummary.Describe(record);
        if (!write)
            return;
        _lastLine = _clock.GetTimestamp();
        if (_interactive)
        {
            var fraction = (double)step.BatchInEpoch / step.BatchesPerEpoch;
            var bar = new string('#', (int)(fraction * BarWidth)).PadRight(BarWidth, '.');
            var frame = Invariant($"epoch {step.Epoch}/{_epochs} [{bar}] {fraction,4:P0} {Progress(step)} | {Line()}");
            // Padded to the width, so a shorter frame covers the end of a longer one.
            var width = _terminalWidth() - 1;
            _output.Write("\r" + (width > 0 ? (frame.Length > width ? frame[..width] : frame.PadRight(width)) : frame + "   "));
        }
        else
        {
            _output.WriteLine(Invariant($"epoch {step.Epoch}/{_epochs} {Progress(step)} | {Line()}"));
        }
    }

    public void OnEpoch(EpochReport epoch)
    {
        _monitor.OnEpoch(epoch);
        var validation = epoch.ValidationLoss is double vl
            ? Invariant($" | valid loss {vl:F4}") + (epoch.ValidationAccuracy is double va ? Invariant($" acc {va:P1}") : "")
            : "";
        var seconds = _clock.GetElapsedTime(_epochStarted).TotalSeconds;
        var rate = seconds > 0 ? Invariant($" {_monitor.Epoch.Steps / seconds:F1} steps/s") : "";
        var detail = _gradientDetail.Length > 0 ? " | " + _gradientDetail : "";
        var line = Invariant($"epoch {epoch.Epoch}/{_epochs}{rate} {Line()}{validation}{detail}");
        // On a terminal it replaces the bar: padded to cover it (and kept whole: it stays on screen).
        _output.WriteLine(_interactive ? "\r" + line.PadRight(Math.Max(0, _terminalWidth() - 1)) : line);
        _epochStarted = _lastLine = _clock.GetTimestamp();
    }

    /// <summary>"274/784 steps 6.1 steps/s ETA 1:23 (run 18:02)": the batch count, the epoch's rate, and what is left.</summary>
    private string Progress(StepReport step)
    {
        var seconds = _clock.GetElapsedTime(_epochStarted).TotalSeconds;
        var rate = seconds > 0 ? _monitor.Epoch.Steps / seconds : 0;
        var text = Invariant($"{step.BatchInEpoch}/{step.BatchesPerEpoch} steps {rate:F1} steps/s");
        if (rate <= 0)
            return text;
        var leftInEpoch = step.BatchesPerEpoch - step.BatchInEpoch;
        var leftInRun = leftInEpoch + (long)Math.Max(0, _epochs - step.Epoch) * step.BatchesPerEpoch;
        return Invariant($"{text} ETA {Duration(leftInEpoch / rate)} (run {Duration(leftInRun / rate)})");
    }

    private static int ConsoleWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>m:ss, or h:mm:ss from an hour.</summary>
    internal static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(Math.Min(seconds, TimeSpan.FromDays(99).TotalSeconds)));
        return t.TotalHours >= 1
            ? Invariant($"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}")
            : Invariant($"{t.Minutes}:{t.Seconds:D2}");
    }

    private static string Describe(GradientRecord record) => record.HasRatios
        ? Invariant($"V 10^{record.Log10VanishingRatio:F1} horizon {record.MemoryHorizon}")
        : "";

    private string Line()
    {
        var seconds = _clock.GetElapsedTime(_epochStarted).TotalSeconds;
        var accuracy = _epochScored > 0 && _epochCorrect > 0 ? Invariant($" acc {(double)_epochCorrect / _epochScored:P1}") : "";
        var extra = _gradientHealth.Length > 0 ? " " + _gradientHealth : "";
        return Invariant($"loss {(_epochScored > 0 ? _epochLoss / _epochScored : double.NaN):F4}{accuracy} ") +
            Invariant($"{(seconds > 0 ? _epochSequences / seconds : 0):F0} seq/s |g| {_monitor.Last?.GradNorm ?? double.NaN:G3} ") +
            Invariant($"clip {_monitor.Epoch.ClipRate:P0}{extra}");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
