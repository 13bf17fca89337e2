using System.Diagnostics;
using System.Globalization;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Cli;

/// <summary>
/// The training progress line: on a terminal one line per epoch redrawn in place as batches finish; otherwise one
/// line per finished epoch. Shows loss, accuracy, sequences/s, the last pre-clip gradient norm, the clip rate, and the
/// vanishing ratio and memory horizon of the last step (analysed only when the line is drawn).
/// </summary>
internal sealed class ProgressReporter(TextWriter output, int epochs, bool interactive) : ITrainingObserver
{
    private readonly Stopwatch _redraw = Stopwatch.StartNew();
    private long _epochSteps, _epochClipped, _epochSequences;
    private double _epochLoss;
    private long _epochCorrect;
    private double _lastNorm;
    private readonly Stopwatch _epochClock = Stopwatch.StartNew();

    private readonly GradientAnalysis _analysis = new();
    private string _gradientHealth = "";

    public void OnStep(StepReport step)
    {
        if (step.BatchInEpoch == 1)
        {
            _epochSteps = _epochClipped = _epochSequences = _epochCorrect = 0;
            _epochLoss = 0;
            _epochClock.Restart();
        }
        _epochSteps++;
        _epochSequences += step.Sequences;
        _epochCorrect += step.Correct;
        if (double.IsFinite(step.Loss))
            _epochLoss += step.Loss * step.Sequences;
        if (step.Snapshot.Clipped)
            _epochClipped++;
        _lastNorm = step.Snapshot.PreClipNorm;
        var lastOfEpoch = step.BatchInEpoch == step.BatchesPerEpoch;
        var redraw = interactive && (_redraw.ElapsedMilliseconds > 200 || lastOfEpoch);
        if (redraw || lastOfEpoch)
            _gradientHealth = Describe(_analysis.Analyze(step.Snapshot));
        if (redraw)
        {
            _redraw.Restart();
            var fraction = (double)step.BatchInEpoch / step.BatchesPerEpoch;
            var bar = new string('#', (int)(fraction * 20)).PadRight(20, '.');
            output.Write($"\repoch {step.Epoch}/{epochs} [{bar}] {fraction,4:P0} {Line()}   ");
        }
    }

    public void OnEpoch(EpochReport epoch)
    {
        var validation = epoch.ValidationLoss is double vl
            ? $" | valid loss {vl:F4}" + (epoch.ValidationAccuracy is double va ? $" acc {va:P1}" : "")
            : "";
        output.WriteLine($"{(interactive ? "\r" : "")}epoch {epoch.Epoch}/{epochs} {Line()}{validation}   ");
    }

    private static string Describe(GradientAnalysisResult analysis) => analysis.HasRatios
        ? string.Create(CultureInfo.InvariantCulture,
            $"V 10^{analysis.MedianLog10VanishingRatio:F1} horizon {analysis.MemoryHorizonSteps}")
        : "";

    private string Line()
    {
        var seconds = _epochClock.Elapsed.TotalSeconds;
        var accuracy = _epochSequences > 0 && _epochCorrect > 0 ? $" acc {(double)_epochCorrect / _epochSequences:P1}" : "";
        var extra = _gradientHealth.Length > 0 ? " " + _gradientHealth : "";
        return $"loss {(_epochSequences > 0 ? _epochLoss / _epochSequences : double.NaN):F4}{accuracy} " +
            $"{(seconds > 0 ? _epochSequences / seconds : 0):F0} seq/s |g| {_lastNorm:G3} " +
            $"clip {(_epochSteps > 0 ? (double)_epochClipped / _epochSteps : 0):P0}{extra}";
    }
}
