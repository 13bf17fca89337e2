using Recurrent.Trainer.Models;
namespace Recurrent.Trainer.Training;

/// <summary>The checkpoint file: a model file's header and weights, then the loop position and optimizer moments.</summary>
/// <remarks>Versioned as the model file: format 1 for per-sequence models (unchanged), 2 for what needs it.</remarks>
internal static class CheckpointFile
{
    public const int FormatVersion = ModelFile.FormatVersion;
    private static ReadOnlySpan<byte> Magic => "RCRNTCKP"u8;

    // OptionsHash was added within format 1: files without it are tied to the options their model header records.
    private sealed record Header(ModelFile.Header Model, TrainingPosition Position, int[] OptimizerLengths,
        int[]? BestWeightLengths, string? OptionsHash = null);

    public static void Save(TrainingCheckpoint checkpoint, string path)
    {
        var header = new Header(ModelFile.Describe(checkpoint.Model), checkpoint.Position,
            checkpoint.OptimizerState.Select(a => a.Length).ToArray(), checkpoint.BestWeights?.Select(a => a.Length).ToArray(),
            checkpoint.OptionsHash);
        var arrays = checkpoint.Model.Parameters.Select(p => p.Value)
            .Concat(checkpoint.OptimizerState)
            .Concat(checkpoint.BestWeights ?? []);
        ChecksummedFile.Write(path, Magic, ModelFile.VersionOf(checkpoint.Model), header, arrays, ModelFile.Json);
    }

    public static TrainingCheckpoint Load(string path)
    {
        var (header, arrays) = ChecksummedFile.Read<Header>(path, Magic, ModelFile.PerSequenceFormat, FormatVersion,
            "checkpoint", ModelFile.Json);
        var model = ModelFile.Rebuild(path, header.Model, arrays);
        var optimizer = ReadArrays(arrays, header.OptimizerLengths, "optimizer state");
        var best = header.BestWeightLengths is null ? null : ReadArrays(arrays, header.BestWeightLengths, "best weights");
        arrays.EnsureEnd();
        return new TrainingCheckpoint(model, header.Position, optimizer, best, header.OptionsHash);
    }

    private static float[][] ReadArrays(ChecksummedFile.ArrayReader arrays, int[] lengths, string name)
    {
        var result = new float[lengths.Length][];
        for (var i = 0; i < lengths.Length; i++)
        {
            if (lengths[i] < 0)
                throw new InvalidDataException($"The checkpoint's {name} has a negative length.");
            result[i] = new float[lengths[i]];
            arrays.ReadInto(result[i], $"{name} {i}");
        }
        return result;
    }
}
