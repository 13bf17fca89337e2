using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Training;

/// <summary>
/// An encoder–decoder's <see cref="TrainingCheckpoint"/>: its model, the optimizer's moments and the loop's
/// position (the same <see cref="TrainingPosition"/> the sequence models keep). Batch order is a function of the
/// seed and the epoch, so resuming reproduces the uninterrupted run bit for bit.
/// </summary>
internal sealed class EncoderDecoderCheckpoint
{
    public EncoderDecoderCheckpoint(EncoderDecoderModel model, TrainingPosition position, float[][] optimizerState,
        string? optionsHash = null)
    {
        Model = model;
        Position = position;
        OptimizerState = optimizerState;
        OptionsHash = optionsHash ?? TrainingCheckpoint.HashOf(model.Options);
    }

    /// <summary>The model as it was after the last completed step.</summary>
    public EncoderDecoderModel Model { get; }

    public TrainingPosition Position { get; }

    public float[][] OptimizerState { get; }

    /// <summary>As <see cref="TrainingCheckpoint.OptionsHash"/>: an identity of the options it was taken with, threads aside.</summary>
    public string OptionsHash { get; }

    /// <summary>As <see cref="TrainingCheckpoint.WasTakenWith"/>: no option that changes the training differs.</summary>
    public bool WasTakenWith(SequenceModelOptions options) => FindMismatch(options) is null;

    /// <summary>As <see cref="TrainingCheckpoint.FindMismatch"/>.</summary>
    public CheckpointMismatch? FindMismatch(SequenceModelOptions options) =>
        CheckpointCompatibility.FirstDifference(Model.Options, options);

    public long Step => Position.Step;

    public long ClippedSteps => Position.Clipped;

    public long NonFiniteSteps => Position.NonFinite;

    public long Sequences => Position.TotalSequences;

    public int Epoch => Position.Epoch;

    public int BatchInEpoch => Position.NextBatch;

    /// <summary>Writes the checkpoint atomically: format 4 of the checkpoint envelope, as the model file is format 4.</summary>
    public void Save(string path) => EncoderDecoderCheckpointFile.Save(this, path);

    /// <summary>Reads a checkpoint <see cref="Save"/> wrote; a damaged or other file raises <see cref="InvalidDataException"/>.</summary>
    public static EncoderDecoderCheckpoint Load(string path) => EncoderDecoderCheckpointFile.Load(path);
}

/// <summary>
/// When an encoder–decoder's run hands out checkpoints and where it starts from: the members and meaning of
/// <see cref="CheckpointOptions"/>, for <see cref="EncoderDecoderCheckpoint"/>s.
/// </summary>
internal sealed class EncoderDecoderCheckpoints
{
    /// <summary>Take a checkpoint after every this many steps (0: only at epoch ends and on cancellation).</summary>
    public int EverySteps { get; init; }

    /// <summary>Receives each checkpoint on the training thread (see <see cref="CheckpointOptions.Save"/>).</summary>
    public Action<EncoderDecoderCheckpoint>? Save { get; init; }

    /// <summary>Continue from this checkpoint instead of a fresh initialisation.</summary>
    public EncoderDecoderCheckpoint? ResumeFrom { get; init; }
}

/// <summary>
/// The file: the checkpoint envelope's magic, format 4 (the sequence models' checkpoints are formats 1 to 3, so each
/// reader refuses the other's by its version), the model file's format-4 header, the position and the optimizer's
/// buffer lengths, then the weights and the buffers.
/// </summary>
internal static class EncoderDecoderCheckpointFile
{
    private static ReadOnlySpan<byte> Magic => "RCRNTCKP"u8;

    private sealed record Header(EncoderDecoderFile.Header Model, TrainingPosition Position, int[] OptimizerLengths,
        string OptionsHash);

    public static void Save(EncoderDecoderCheckpoint checkpoint, string path)
    {
        var model = checkpoint.Model;
        var parameters = model.Network.Parameters;
        var header = new Header(EncoderDecoderFile.Describe(model), checkpoint.Position,
            checkpoint.OptimizerState.Select(a => a.Length).ToArray(), checkpoint.OptionsHash);
        ChecksummedFile.Write(path, Magic, EncoderDecoderFile.FormatVersion, header,
            parameters.Select(p => p.Value).Concat(checkpoint.OptimizerState), ModelFile.Json);
    }

    public static EncoderDecoderCheckpoint Load(string path)
    {
        var (header, arrays) = ChecksummedFile.Read<Header>(path, Magic, EncoderDecoderFile.FormatVersion,
            "encoder–decoder checkpoint", ModelFile.Json);
        var model = EncoderDecoderFile.Rebuild(path, header.Model, arrays);
        var optimizer = new float[header.OptimizerLengths.Length][];
        for (var i = 0; i < optimizer.Length; i++)
        {
            if (header.OptimizerLengths[i] < 0)
                throw new InvalidDataException($"{path}: the checkpoint's optimizer state {i} has a negative length.");
            optimizer[i] = new float[header.OptimizerLengths[i]];
            arrays.ReadInto(optimizer[i], $"optimizer state {i}");
        }
        arrays.EnsureEnd();
        return new EncoderDecoderCheckpoint(model, header.Position, optimizer, header.OptionsHash);
    }
}
