using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

/// <summary>
/// A checkpoint continues a run when every option that changes the training is equal: options it does not record
/// count as their defaults, and the diagnostics' and the thread count are not compared.
/// </summary>
public class CheckpointCompatibilityTests
{
    private static SequenceModelOptions Options() => new()
    {
        Cell = RecurrentCellKind.Lstm,
        HiddenSize = 6,
        Epochs = 3,
        BatchSize = 8,
        Seed = 4,
        ClipNorm = 1f,
        LearningRateDecay = 0.9f,
        Threads = 2,
        GradientDetail = RecurrentGradientDetail.Block,
        GradientDetailEvery = 3,
    };

    private static SequenceDataset Data() => EngineFixtures.TokenData(60, 10, [5, 3, 7], HeadKind.MultiClass, 3, seed: 12);

    [Fact]
    public void A_checkpoint_resumes_under_other_diagnostics_and_threads_and_ends_with_the_same_weights()
    {
        var data = Data();
        var uninterrupted = new SequenceModelTrainer(Options()).Fit(data);
        var path = TempPath();
        try
        {
            TakeCheckpointAtStep10(data, path);
            var checkpoint = TrainingCheckpoint.Load(path);
            var measuredOtherwise = Options();
            measuredOtherwise.GradientDetail = RecurrentGradientDetail.Global;
            measuredOtherwise.GradientDetailEvery = 1;
            measuredOtherwise.CollectAdjointNorms = false;
            measuredOtherwise.Threads = 1;
            Assert.Null(checkpoint.FindMismatch(measuredOtherwise));
            Assert.True(checkpoint.WasTakenWith(measuredOtherwise));
            // The hash of every option is what refused such a checkpoint before.
            Assert.NotEqual(TrainingCheckpoint.HashOf(measuredOtherwise), checkpoint.OptionsHash);

            var resumed = new SequenceModelTrainer(measuredOtherwise).Fit(data, checkpoints: new CheckpointOptions { ResumeFrom = checkpoint });

            AssertSameWeights(uninterrupted, resumed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(nameof(SequenceModelOptions.HiddenSize), "6", "7")]
    [InlineData(nameof(SequenceModelOptions.Seed), "4", "5")]
    [InlineData(nameof(SequenceModelOptions.LearningRate), "0.001", "0.002")]
    [InlineData(nameof(SequenceModelOptions.ClipNorm), "1", "none")]
    [InlineData(nameof(SequenceModelOptions.Cell), "Lstm", "Gru")]
    public void A_checkpoint_of_other_training_options_is_refused_naming_the_option(string option, string inCheckpoint, string given)
    {
        var data = Data();
        var path = TempPath();
        try
        {
            TakeCheckpointAtStep10(data, path);
            var checkpoint = TrainingCheckpoint.Load(path);
            var other = Options();
            // Diagnostics differ too: they are not what the refusal names.
            other.GradientDetail = RecurrentGradientDetail.Layer;
            switch (option)
            {
                case nameof(SequenceModelOptions.HiddenSize): other.HiddenSize = 7; break;
                case nameof(SequenceModelOptions.Seed): other.Seed = 5; break;
                case nameof(SequenceModelOptions.LearningRate): other.LearningRate = 0.002f; break;
                case nameof(SequenceModelOptions.ClipNorm): other.ClipNorm = null; break;
                case nameof(SequenceModelOptions.Cell): other.Cell = RecurrentCellKind.Gru; break;
            }

            Assert.Equal(new CheckpointMismatch(option, inCheckpoint, given), checkpoint.FindMismatch(other));
            Assert.False(checkpoint.WasTakenWith(other));
            var error = Assert.Throws<ArgumentException>(() =>
                new SequenceModelTrainer(other).Fit(data, checkpoints: new CheckpointOptions { ResumeFrom = checkpoint }));
            Assert.Contains($"{option} is {inCheckpoint} in the checkpoint and {given} in these options", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_checkpoint_written_before_an_option_existed_resumes_with_that_option_at_its_default()
    {
        // The file an older build wrote: its options have no WeightDecay nor EarlyStoppingPatience (as if they were
        // added later) and its OptionsHash follows the old rule, a SHA-256 of the options it serialized, threads aside.
        var data = Data();
        var uninterrupted = new SequenceModelTrainer(Options()).Fit(data);
        var path = TempPath();
        try
        {
            TakeCheckpointAtStep10(data, path);
            RewriteHeader(path, header =>
            {
                var options = header["Model"]!["Options"]!.AsObject();
                Assert.True(options.Remove(nameof(SequenceModelOptions.WeightDecay)));
                Assert.True(options.Remove(nameof(SequenceModelOptions.EarlyStoppingPatience)));
                var hashed = options.DeepClone().AsObject();
                hashed.Remove(nameof(SequenceModelOptions.Threads));
                header["OptionsHash"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hashed.ToJsonString())));
            });

            var checkpoint = TrainingCheckpoint.Load(path);
            // The old rule refuses it: today's options serialize the two options it lacks.
            Assert.NotEqual(TrainingCheckpoint.HashOf(Options()), checkpoint.OptionsHash);
            Assert.Null(checkpoint.FindMismatch(Options()));
            var resumed = new SequenceModelTrainer(Options()).Fit(data, checkpoints: new CheckpointOptions { ResumeFrom = checkpoint });
            AssertSameWeights(uninterrupted, resumed);

            // Absent is the default, not "anything": a run that sets the new option is another run.
            var decayed = Options();
            decayed.WeightDecay = 0.01f;
            Assert.Equal(new CheckpointMismatch(nameof(SequenceModelOptions.WeightDecay), "0", "0.01"), checkpoint.FindMismatch(decayed));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_checkpoint_written_by_the_current_file_format_keeps_resuming()
    {
        // A checkpoint as this build writes it (model options and OptionsHash by the hash rule) resumes by the new rule.
        var data = Data();
        var path = TempPath();
        try
        {
            TakeCheckpointAtStep10(data, path);
            var checkpoint = TrainingCheckpoint.Load(path);
            Assert.Equal(TrainingCheckpoint.HashOf(Options()), checkpoint.OptionsHash);
            Assert.Null(checkpoint.FindMismatch(Options()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Only_the_diagnostics_and_the_thread_count_are_left_out_of_the_comparison()
    {
        // A new option is compared unless it is added here on purpose, with a test that the weights do not depend on it.
        Assert.Equal(
            [nameof(SequenceModelOptions.CollectAdjointNorms), nameof(SequenceModelOptions.GradientDetail),
                nameof(SequenceModelOptions.GradientDetailEvery), nameof(SequenceModelOptions.Threads)],
            CheckpointCompatibility.Ignored.Order(StringComparer.Ordinal));
    }

    private static void TakeCheckpointAtStep10(SequenceDataset data, string path)
    {
        using var cancel = new CancellationTokenSource();
        var checkpoints = new CheckpointOptions
        {
            EverySteps = 5,
            Save = c =>
            {
                c.Save(path);
                if (c.Step == 10)
                    cancel.Cancel();
            },
        };
        Assert.Throws<OperationCanceledException>(() => new SequenceModelTrainer(Options()).Fit(data, null, null, cancel.Token, checkpoints));
    }

    // The envelope: 8 magic bytes, the format, the header's length and JSON, the arrays, a SHA-256 of all before it.
    private static void RewriteHeader(string path, Action<JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(path);
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        var header = JsonNode.Parse(bytes.AsSpan(16, length))!.AsObject();
        edit(header);
        var newHeader = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var file = new MemoryStream();
        file.Write(bytes.AsSpan(0, 12));
        file.Write(BitConverter.GetBytes(newHeader.Length));
        file.Write(newHeader);
        file.Write(bytes.AsSpan(16 + length, bytes.Length - 16 - length - 32));
        file.Write(SHA256.HashData(file.ToArray()));
        File.WriteAllBytes(path, file.ToArray());
    }

    private static void AssertSameWeights(Recurrent.Trainer.Models.SequenceModel expected, Recurrent.Trainer.Models.SequenceModel actual)
    {
        for (var i = 0; i < expected.Parameters.Count; i++)
            Assert.Equal(expected.Parameters[i].Value, actual.Parameters[i].Value);
    }

    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"recurrent-{Guid.NewGuid():N}.ckpt");
}
