using Recurrent.Trainer.Models;
namespace Recurrent.Trainer.Training;

/// <summary>
/// Everything needed to continue a run exactly where it stopped: the model (weights, vocabulary, labels, options),
/// the optimizer's moments, and the loop's position. Batch order is a function of seed and epoch, so no generator
/// state is needed; resuming at a checkpoint reproduces the uninterrupted run bit for bit.
/// </summary>
public sealed class TrainingCheckpoint
{
    internal TrainingCheckpoint(SequenceModel model, TrainingPosition position, float[][] optimizerState,
        float[][]? bestWeights, string? optionsHash = null)
    {
        Model = model;
        Position = position;
        OptimizerState = optimizerState;
        BestWeights = bestWeights;
        OptionsHash = optionsHash ?? HashOf(model.Options);
    }

    /// <summary>
    /// SHA-256 (hex) of the training options this checkpoint was taken with, in their serialized form without
    /// <see cref="SequenceModelOptions.Threads"/>: an identity of those exact options. Whether the checkpoint can
    /// continue a run is decided option by option instead (<see cref="FindMismatch"/>), so that options added in a
    /// later version, and options that only change what is measured, do not orphan it.
    /// </summary>
    public string OptionsHash { get; }

    /// <summary>
    /// True when this checkpoint can continue a run of <paramref name="options"/>: <see cref="FindMismatch"/> finds
    /// no option that changes the training and differs.
    /// </summary>
    public bool WasTakenWith(SequenceModelOptions options) => FindMismatch(options) is null;

    /// <summary>
    /// The first option that changes the training and whose value in this checkpoint's options
    /// (<see cref="Model"/>'s) differs from <paramref name="options"/>, or null when the checkpoint can continue a run
    /// of them. An option the checkpoint does not record (written before the option existed) counts as its default;
    /// the thread count and the gradient diagnostics' options are not compared, as the weights do not depend on them.
    /// </summary>
    public CheckpointMismatch? FindMismatch(SequenceModelOptions options) =>
        CheckpointCompatibility.FirstDifference(Model.Options, options);

    /// <summary>The hash <see cref="OptionsHash"/> holds, for any options.</summary>
    public static string HashOf(SequenceModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Options without a seed train with the default one, which the model (whose options a checkpoint hashes)
        // records: hashed as given, every resume of a run without a seed looked like another run's and started over.
        var asTrained = options.Clone();
        asTrained.Seed = asTrained.SeedOrDefault;
        var node = System.Text.Json.JsonSerializer.SerializeToNode(asTrained, ModelFile.Json)!.AsObject();
        node.Remove(nameof(SequenceModelOptions.Threads));
        var bytes = System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
    }

    /// <summary>The model as it was after the last completed step.</summary>
    public SequenceModel Model { get; }

    internal TrainingPosition Position { get; }

    internal float[][] OptimizerState { get; }

    internal float[][]? BestWeights { get; }

    /// <summary>Completed optimizer steps.</summary>
    public long Step => Position.Step;

    /// <summary>Of <see cref="Step"/>, the steps whose gradient was clipped.</summary>
    public long ClippedSteps => Position.Clipped;

    /// <summary>Of <see cref="Step"/>, the steps skipped for a non-finite loss or gradient.</summary>
    public long NonFiniteSteps => Position.NonFinite;

    /// <summary>Sequences the completed steps trained on, over the whole run.</summary>
    public long Sequences => Position.TotalSequences;

    /// <summary>The epoch in progress (or just finished, when <see cref="BatchInEpoch"/> is 0).</summary>
    public int Epoch => Position.Epoch;

    /// <summary>Batches of <see cref="Epoch"/> already done; 0 between epochs.</summary>
    public int BatchInEpoch => Position.NextBatch;

    /// <summary>Writes the checkpoint atomically.</summary>
    public void Save(string path) => CheckpointFile.Save(this, path);

    /// <summary>Reads a checkpoint; a damaged file raises <see cref="InvalidDataException"/>.</summary>
    public static TrainingCheckpoint Load(string path) => CheckpointFile.Load(path);
}

/// <summary>Where the loop stands, and the running totals it reports.</summary>
internal sealed record TrainingPosition(
    int Epoch,
    bool InEpoch,
    int NextBatch,
    long Step,
    float LearningRate,
    long Clipped,
    long NonFinite,
    double EpochLossSum,
    long EpochCorrect,
    long EpochSeen,
    double? BestValidationLoss,
    int EpochsWithoutImprovement,
    long OptimizerUpdates,
    long TotalSequences)
{
    /// <summary>
    /// Labelled steps of the epoch so far (per-step heads: what the epoch's loss and accuracy are averaged over).
    /// Left out of checkpoints when 0, so those of per-sequence runs are written as before.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public long EpochLabelledSteps { get; init; }

    /// <summary>The position at the start of the next epoch: its first batch, its totals at zero.</summary>
    public TrainingPosition NextEpoch() => this with
    {
        Epoch = Epoch + 1,
        InEpoch = true,
        NextBatch = 0,
        EpochLossSum = 0,
        EpochCorrect = 0,
        EpochSeen = 0,
        EpochLabelledSteps = 0,
    };
}
