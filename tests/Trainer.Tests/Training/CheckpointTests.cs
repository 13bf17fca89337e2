using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

public class CheckpointTests
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
    };

    [Fact]
    public void Resuming_from_a_mid_epoch_checkpoint_file_reproduces_the_uninterrupted_run()
    {
        var data = EngineFixtures.TokenData(60, 10, [5, 3, 7], HeadKind.MultiClass, 3, seed: 12);
        var uninterrupted = new SequenceModelTrainer(Options()).Fit(data);

        var path = Path.Combine(Path.GetTempPath(), $"recurrent-{Guid.NewGuid():N}.ckpt");
        try
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
            Assert.Throws<OperationCanceledException>(() =>
                new SequenceModelTrainer(Options()).Fit(data, null, null, cancel.Token, checkpoints));

            var checkpoint = TrainingCheckpoint.Load(path);
            Assert.Equal(10, checkpoint.Step);
            Assert.Equal(2, checkpoint.Epoch);
            Assert.Equal(2, checkpoint.BatchInEpoch);
            var trainer = new SequenceModelTrainer(Options());
            var resumed = trainer.Fit(data, checkpoints: new CheckpointOptions { ResumeFrom = checkpoint });
            Assert.Equal(24, trainer.LastSummary!.Steps);
            for (var i = 0; i < uninterrupted.Parameters.Count; i++)
                Assert.Equal(uninterrupted.Parameters[i].Value, resumed.Parameters[i].Value);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_checkpoint_of_a_run_without_a_seed_is_taken_with_the_same_options_given_again()
    {
        // The service resumes by comparing the stored request's options with the checkpoint's; a request without a
        // seed trains with the default one, which the checkpoint's model records.
        var data = EngineFixtures.TokenData(20, 10, [5, 3], HeadKind.MultiClass, 3, seed: 12);
        var unseeded = Options();
        unseeded.Seed = null;
        TrainingCheckpoint? taken = null;
        new SequenceModelTrainer(unseeded).Fit(data, checkpoints: new CheckpointOptions { EverySteps = 2, Save = c => taken ??= c });
        Assert.NotNull(taken);
        Assert.True(taken.WasTakenWith(unseeded));
        var otherSeed = Options();
        otherSeed.Seed = SequenceModelOptions.Defaults.Seed + 1;
        Assert.False(taken.WasTakenWith(otherSeed));
    }

    [Fact]
    public void Epoch_end_checkpoints_are_taken_and_a_damaged_checkpoint_is_refused()
    {
        var data = EngineFixtures.NumericData(16, 2, [4], HeadKind.Binary, 2, seed: 3);
        var taken = new List<(long Step, int Epoch, int Batch)>();
        new SequenceModelTrainer(Options()).Fit(data, checkpoints: new CheckpointOptions
        {
            Save = c => taken.Add((c.Step, c.Epoch, c.BatchInEpoch)),
        });
        Assert.Equal([(2L, 1, 0), (4L, 2, 0), (6L, 3, 0)], taken);

        var path = Path.Combine(Path.GetTempPath(), $"recurrent-{Guid.NewGuid():N}.ckpt");
        try
        {
            new SequenceModelTrainer(Options()).Fit(data, checkpoints: new CheckpointOptions { Save = c => c.Save(path) });
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^10]);
            var error = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Load(path));
            Assert.Contains("checkpoint file is corrupt or truncated", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
