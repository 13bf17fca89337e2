using Microsoft.ML;
using Microsoft.ML.Runtime;
using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// What every recurrent estimator's <c>Fit</c> does around its engine, the ML.NET way, once the rows are read: warn
/// about the rows skipped for a missing value and refuse a set with none left (<see cref="SkippedRows"/>), take the
/// seed (the explicit one, else the MLContext's, as ML.NET's own trainers do), hold out the validation rows with it,
/// say on the log what will be trained, and give the engine its options and the epoch log.
/// </summary>
internal sealed class FitRun : IDisposable
{
    private readonly IChannel _channel;
    private readonly RecurrentTrainerOptions _options;
    private readonly string _trainer;
    private EpochLogObserver? _observer;

    private FitRun(IChannel channel, RecurrentTrainerOptions options, string trainer, int seed)
    {
        _channel = channel;
        _options = options;
        _trainer = trainer;
        Seed = seed;
    }

    /// <summary>The seed of the run: the options' own, else one drawn from the MLContext's.</summary>
    public int Seed { get; }

    /// <summary>
    /// Starts the training channel on <paramref name="host"/>, reports <paramref name="skipped"/> on it (a warning a
    /// kind; the refusal when <paramref name="kept"/> is 0) and takes the seed.
    /// </summary>
    public static FitRun Start(IHost host, RecurrentTrainerOptions options, SkippedRows skipped, int kept)
    {
        var channel = host.Start("Training");
        try
        {
            skipped.Report(channel, kept);
            // Without an explicit seed the context decides, as for ML.NET's own trainers: the host registered on it
            // draws from the MLContext's seed (a fixed seed gives the same model; seed: null a different one each run).
            return new FitRun(channel, options, skipped.Trainer, options.Seed ?? host.Rand.Next());
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    /// <summary>The training and validation sequences (none held out when <c>ValidationFraction</c> is 0).</summary>
    public (SequenceDataset Train, SequenceDataset? Validation) HoldOut(SequenceDataset all) =>
        _options.ValidationFraction > 0 ? ValidationHoldOut.Split(all, _options.ValidationFraction, Seed) : (all, null);

    /// <summary>The training and validation pairs (none held out when <c>ValidationFraction</c> is 0).</summary>
    public (PairDataset Train, PairDataset? Validation) HoldOut(PairDataset all)
    {
        if (_options.ValidationFraction <= 0)
            return (all, null);
        var (kept, heldOut) = ValidationHoldOut.Indices(all.Count, _options.ValidationFraction, Seed, all.Name);
        PairDataset Part(int[] indices, string name) => all with { Name = name, Pairs = indices.Select(i => all.Pairs[i]).ToArray() };
        return (Part(kept, all.Name), Part(heldOut, $"{all.Name} (held out)"));
    }

    /// <summary>
    /// Says on the log what will be trained (<paramref name="training"/> <paramref name="rows"/>, and
    /// <paramref name="heldOut"/> when some are) and returns the engine's options with this run's seed.
    /// </summary>
    public SequenceModelOptions EngineOptions(int training, int? heldOut, string rows)
    {
        _channel.Info(MessageSensitivity.None, $"{_trainer}: {_options.Cell} with {_options.HiddenSize} hidden units, {training} training {rows}"
            + (heldOut is { } n ? $", {n} held out" : "") + $", {_options.Epochs} epochs.");
        var engineOptions = _options.ToEngineOptions();
        engineOptions.Seed = Seed;
        return engineOptions;
    }

    /// <summary>The run's observer: it writes the epoch lines to the log and passes every report on to the user's.</summary>
    public EpochLogObserver Observer => _observer ??= new EpochLogObserver(_channel, _options);

    public void Dispose() => _channel.Dispose();
}
