using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.EncoderDecoder;

/// <summary>
/// What an encoder–decoder's training reports at every step (the sequence models' step reports: the pre-clip norm,
/// its groups, clipping, the encoder's adjoint profile) and its checkpoints: a run cancelled and resumed from its
/// checkpoint file ends with the same bytes as the uninterrupted one.
/// </summary>
public sealed class EncoderDecoderTrainingTests
{
    private const int Pairs = 64, BatchSize = 8, Seed = 9;

    private static SequenceModelOptions Options(RecurrentCellKind cell = RecurrentCellKind.Lstm) => new()
    {
        Cell = cell,
        HiddenSize = 12,
        EmbeddingSize = 4,
        Epochs = 3,
        BatchSize = BatchSize,
        LearningRate = 0.01f,
        LearningRateDecay = 0.9f,
        ClipNorm = 0.3f,
        Seed = Seed,
        Threads = 1,
    };

    private static PairDataset Train() => PairDataset.LoadTask("reverse:5", seed: 7, count: Pairs).Train;

    private sealed record StepCopy(long Step, int Epoch, int BatchInEpoch, int BatchesPerEpoch, int Sequences,
        int LabelledSteps, int Correct, double Loss, double Norm, bool Clipped, long ClippedSteps, string[] Groups,
        double[] GroupNorms, int[] Windows, float[][] Profiles, GradientRecord Record);

    // Copies what it keeps: the report and its snapshot are reused for the next step.
    private sealed class Recorder : ITrainingObserver
    {
        private readonly GradientMonitor _monitor = new(null, "test");

        public List<StepCopy> Steps { get; } = [];

        public List<EpochReport> Epochs { get; } = [];

        public Action<long>? AfterStep { get; init; }

        public void OnStep(StepReport step)
        {
            var s = step.Snapshot;
            Steps.Add(new StepCopy(step.Step, step.Epoch, step.BatchInEpoch, step.BatchesPerEpoch, step.Sequences,
                step.LabelledSteps, step.Correct, step.Loss, s.PreClipNorm, s.Clipped, s.ClippedSteps, [.. s.GroupNames],
                [.. s.GroupNorms], s.WindowLengths.ToArray(),
                Enumerable.Range(0, s.BatchSize).Select(b => s.AdjointNormsOf(b).ToArray()).ToArray(),
                _monitor.Observe(step)));
            AfterStep?.Invoke(step.Step);
        }

        public void OnEpoch(EpochReport epoch) => Epochs.Add(epoch);
    }

    [Fact]
    public void Every_step_reports_its_norm_groups_clipping_and_the_encoders_adjoint_profile_for_its_own_batch()
    {
        var train = Train();
        var recorder = new Recorder();
        new EncoderDecoderTrainer(Options()).Fit(train, null, observer: recorder);

        Assert.Equal(Enumerable.Range(1, 3 * Pairs / BatchSize).Select(i => (long)i), recorder.Steps.Select(s => s.Step));
        Assert.Equal(3, recorder.Epochs.Count);
        long clipped = 0;
        foreach (var step in recorder.Steps)
        {
            Assert.Equal(Pairs / BatchSize, step.BatchesPerEpoch);
            Assert.Equal((int)((step.Step - 1) / (Pairs / BatchSize)) + 1, step.Epoch);
            // The batch is the one the seed and the epoch choose: its sources' lengths are the profile's windows,
            // its targets' (⟨/s⟩ included) the labelled steps.
            var indices = Batching.EpochOrder(Pairs, Seed, step.Epoch).Chunk(BatchSize).ElementAt(step.BatchInEpoch - 1);
            Assert.Equal(indices.Select(i => train.Pairs[i].Source.Length), step.Windows);
            Assert.Equal(indices.Sum(i => train.Pairs[i].Target.Length + 1), step.LabelledSteps);
            Assert.InRange(step.Correct, 0, step.LabelledSteps);
            // The groups are the sequence models' labels, and the global norm is theirs together.
            Assert.Equal(["embedding", "W_xh", "W_hh", "b", "head"], step.Groups);
            Assert.Equal(step.Norm, Math.Sqrt(step.GroupNorms.Sum(n => n * n)), 1e-9 * step.Norm);
            Assert.Equal(step.Norm > 0.3, step.Clipped);
            clipped += step.Clipped ? 1 : 0;
            Assert.Equal(clipped, step.ClippedSteps);
            Assert.All(step.Profiles.SelectMany(p => p), g => Assert.True(float.IsFinite(g) && g > 0));
            Assert.Equal(step.Norm, step.Record.GradNorm);
            Assert.Single(step.Record.JacobianBounds);
        }
        Assert.Contains(recorder.Steps, s => s.Clipped);
        Assert.Contains(recorder.Steps, s => !s.Clipped);
        // Sources of two steps or more give each step a vanishing ratio.
        Assert.All(recorder.Steps, s => Assert.NotNull(s.Record.Log10VanishingRatio));
        Assert.True(recorder.Steps[^1].Loss < recorder.Steps[0].Loss, "the loss falls");
        Assert.True(recorder.Epochs[^1].TrainAccuracy > recorder.Epochs[0].TrainAccuracy);
    }

    [Fact]
    public void The_profile_starts_where_the_bridge_hands_the_decoders_gradient_to_the_encoder_and_shrinks_back_from_it()
    {
        // One tanh layer with a small W_hh: nothing but the bridge feeds the encoder's adjoint, which shrinks at
        // every step back, so the profile must rise from the oldest step to the last.
        var options = Options(RecurrentCellKind.Rnn);
        var train = Train();
        var network = new EncoderDecoderTrainer(options).Initialize(train).Network;
        var recurrent = network.Encoder[0].RecurrentWeights.Value;
        for (var i = 0; i < recurrent.Length; i++)
            recurrent[i] *= 0.2f;
        network.WeightsChanged();
        var batch = new PairBatch(network.Shape.Boundary);
        batch.Fill(train.Pairs, Enumerable.Range(0, 16).ToArray());
        var adjoints = new AdjointRecorder();
        network.ComputeGradients(batch.Source, batch.Target, threads: 1, adjoints);

        var (bridge, _) = network.InitialStateGradient(0);
        var hidden = network.Shape.Hidden;
        for (var b = 0; b < 16; b++)
        {
            var profile = adjoints.NormsOf(b).ToArray();
            Assert.Equal(train.Pairs[b].Source.Length, profile.Length);
            var entering = Math.Sqrt(bridge.AsSpan(b * hidden, hidden).ToArray().Sum(g => (double)g * g)) * 16;
            Assert.Equal(entering, profile[^1], 1e-5 * entering);
            for (var t = 1; t < profile.Length; t++)
                Assert.True(profile[t - 1] < profile[t], $"pair {b}: g at step {t} {profile[t - 1]} is not below g at {t + 1} {profile[t]}");
        }
    }

    [Fact]
    public void An_lstm_profile_counts_the_cell_state_the_bridge_hands_on_too()
    {
        var train = Train();
        var network = new EncoderDecoderTrainer(Options()).Initialize(train).Network;
        var batch = new PairBatch(network.Shape.Boundary);
        batch.Fill(train.Pairs, Enumerable.Range(0, 4).ToArray());
        var adjoints = new AdjointRecorder();
        network.ComputeGradients(batch.Source, batch.Target, threads: 1, adjoints);
        var (h, c) = network.InitialStateGradient(0);
        Assert.NotNull(c);
        var hidden = network.Shape.Hidden;
        for (var b = 0; b < 4; b++)
        {
            var squares = h.AsSpan(b * hidden, hidden).ToArray().Concat(c.AsSpan(b * hidden, hidden).ToArray()).Sum(g => (double)g * g);
            Assert.Equal(Math.Sqrt(squares) * 4, adjoints.NormsOf(b)[^1], 1e-5 * Math.Sqrt(squares) * 4);
        }
    }

    [Fact]
    public void A_run_cancelled_mid_epoch_and_resumed_from_its_checkpoint_file_ends_with_the_uninterrupted_runs_bytes()
    {
        using var directory = new TempDirectory();
        var (train, validation) = (Train(), PairDataset.LoadTask("reverse:5", seed: 7, count: Pairs, evaluationCount: 16).Validation);
        var uninterrupted = new EncoderDecoderTrainer(Options()).Fit(train, validation);

        var path = directory.File("run.ckpt");
        using var cancel = new CancellationTokenSource();
        var saved = new List<long>();
        var firstAttempt = new Recorder { AfterStep = step => { if (step == 10) cancel.Cancel(); } };
        var checkpoints = new EncoderDecoderCheckpoints
        {
            EverySteps = 4,
            Save = c =>
            {
                saved.Add(c.Step);
                c.Save(path);
            },
        };
        Assert.Throws<OperationCanceledException>(() =>
            new EncoderDecoderTrainer(Options()).Fit(train, validation, null, cancel.Token, firstAttempt, checkpoints));
        // Every 4 steps, at the end of epoch 1 (step 8), and on the cancel after step 10.
        Assert.Equal([4, 8, 8, 10], saved);

        var checkpoint = EncoderDecoderCheckpoint.Load(path);
        Assert.Equal((10, 2, 2), (checkpoint.Step, checkpoint.Epoch, checkpoint.BatchInEpoch));
        Assert.Equal(firstAttempt.Steps[^1].ClippedSteps, checkpoint.ClippedSteps);
        Assert.True(checkpoint.WasTakenWith(Options()));
        var resumedSteps = new Recorder();
        var resumed = new EncoderDecoderTrainer(Options()).Fit(train, validation, null, default, resumedSteps,
            new EncoderDecoderCheckpoints { ResumeFrom = checkpoint });

        Assert.Equal(11, resumedSteps.Steps[0].Step);
        Assert.Equal(24, resumedSteps.Steps[^1].Step);
        for (var i = 0; i < uninterrupted.Network.Parameters.Count; i++)
            Assert.Equal(uninterrupted.Network.Parameters[i].Value, resumed.Network.Parameters[i].Value);
    }

    [Fact]
    public void Each_checkpoint_reader_refuses_the_others_file_and_a_damaged_one_by_its_checksum()
    {
        using var directory = new TempDirectory();
        var path = directory.File("run.ckpt");
        var options = Options();
        options.Seed = null;
        EncoderDecoderCheckpoint? taken = null;
        new EncoderDecoderTrainer(options).Fit(Train(), null, checkpoints: new EncoderDecoderCheckpoints
        {
            Save = c => taken ??= c,
        });
        Assert.NotNull(taken);
        // A run without a seed trains with the default one; its checkpoint is taken with the same options given again.
        Assert.True(taken.WasTakenWith(options));
        Assert.False(taken.WasTakenWith(Options()));
        taken.Save(path);

        var asSequenceModel = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Load(path));
        Assert.Contains("checkpoint file format 4 is not supported", asSequenceModel.Message, StringComparison.Ordinal);
        var bytes = File.ReadAllBytes(path);
        bytes[^40] ^= 1;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => EncoderDecoderCheckpoint.Load(path)).Message,
            StringComparison.Ordinal);
    }
}
