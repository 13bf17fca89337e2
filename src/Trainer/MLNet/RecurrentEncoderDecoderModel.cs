using Recurrent.Trainer;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Microsoft.ML;

/// <summary>
/// The engine model <see cref="RecurrentEncoderDecoderTrainer.Fit"/> trained, beside the ML.NET model it returned: the
/// options it ran with (the seed the context gave included), its symbols, what training did, greedy decoding, and the
/// engine's model file, which <c>recurrent predict</c>, <c>recurrent evaluate</c> and <c>recurrent export --mlnet</c>
/// read as they read the file <c>recurrent train</c> writes.
/// </summary>
public sealed class RecurrentEncoderDecoderModel
{
    private readonly EncoderDecoderModel _engine;

    internal RecurrentEncoderDecoderModel(EncoderDecoderModel engine, TrainingSummary trainingSummary)
    {
        _engine = engine;
        TrainingSummary = trainingSummary;
    }

    /// <summary>The engine's options the model was trained with, its seed included (a copy).</summary>
    public SequenceModelOptions Options => _engine.Options.Clone();

    /// <summary>The source's symbols: id i is the source key i + 1 (the key's values, in order).</summary>
    public IReadOnlyList<string> SourceSymbols => _engine.SourceSymbols;

    /// <summary>The target's symbols: id i is the target key i + 1 (the key's values, in order).</summary>
    public IReadOnlyList<string> TargetSymbols => _engine.TargetSymbols;

    /// <summary>
    /// Why training ended and what it did: epochs, optimizer steps, clipped and non-finite steps, the last epoch's
    /// train loss (per target step), the best held-out loss when <c>ValidationFraction</c> held pairs out, the time.
    /// </summary>
    public TrainingSummary TrainingSummary { get; }

    /// <summary>
    /// Greedy decoding, as the ML.NET model's <c>PredictedLabel</c> and <c>recurrent predict</c>: each source (ids of
    /// <see cref="SourceSymbols"/>, at least one) into ids of <see cref="TargetSymbols"/>, ⟨/s⟩ left out, at most
    /// 2·S + 10 of them.
    /// </summary>
    /// <exception cref="ArgumentException">A source is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the source's symbols.</exception>
    public int[][] Decode(IReadOnlyList<int[]> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        return _engine.Decode(sources);
    }

    /// <summary>Writes the engine's model file (checksummed, written atomically), the format <c>recurrent train</c> writes.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _engine.Save(path);
    }

    internal EncoderDecoderModel Engine => _engine;
}
