using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tests.Training;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// Skip connections through time in the engine beyond the gradients (those are checked against the reference in
/// <see cref="Reference.EngineVersusReferenceTests"/>): options, inference, model files, training with the remedies.
/// </summary>
public class DilationTests
{
    private static SequenceModelOptions Options(int[]? dilations, RecurrentCellKind cell = RecurrentCellKind.Rnn) => new()
    {
        Cell = cell,
        HiddenSize = 6,
        Layers = dilations?.Length ?? 2,
        Dilations = dilations,
        Bidirectional = true,
        Epochs = 2,
        BatchSize = 8,
        Seed = 3,
        Threads = 2,
        ClipNorm = 1f,
    };

    private static readonly Recurrent.Trainer.Data.SequenceDataset Data =
        EngineFixtures.NumericData(24, 3, [9, 4, 7, 1, 11], HeadKind.MultiClass, 3, seed: 12);

    [Fact]
    public void Dilations_of_one_train_the_same_network_bit_for_bit()
    {
        var plain = new SequenceModelTrainer(Options(null)).Fit(Data);
        var ones = new SequenceModelTrainer(Options([1, 1])).Fit(Data);
        var dilated = new SequenceModelTrainer(Options([1, 2])).Fit(Data);

        for (var i = 0; i < plain.Parameters.Count; i++)
            Assert.Equal(plain.Parameters[i].Value, ones.Parameters[i].Value);
        Assert.NotEqual(plain.Parameters[^1].Value, dilated.Parameters[^1].Value);
    }

    [Theory]
    [InlineData(RecurrentCellKind.Rnn, 9, 1, new[] { 2 })]
    [InlineData(RecurrentCellKind.Lstm, 9, 2, new[] { 1, 3 })]
    [InlineData(RecurrentCellKind.Gru, 12, 2, new[] { 4, 2 })]
    [InlineData(RecurrentCellKind.Lstm, 5, 1, new[] { 16 })]
    public void Inference_gives_the_training_forward_logits_bit_for_bit(RecurrentCellKind cell, int batch, int threads,
        int[] dilations)
    {
        var options = Options(dilations, cell);
        options.HiddenSize = 37;
        options.Threads = threads;
        var data = EngineFixtures.NumericData(batch, 6, [9, 3, 7, 1, 9, 5], HeadKind.MultiClass, 4, seed: 8);
        var network = EngineFixtures.Network(options, data);
        var sequences = EngineFixtures.Batch(data);

        network.Forward(sequences, threads);
        var training = network.Logits.ToArray();
        network.Infer(sequences, threads);

        Assert.Equal(training, network.Logits.ToArray());
    }

    [Fact]
    public void A_saved_dilated_model_loads_with_its_dilations_and_predicts_the_same()
    {
        var model = new SequenceModelTrainer(Options([1, 3])).Fit(Data);
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-{Guid.NewGuid():N}.model");
        try
        {
            model.Save(path);
            var loaded = SequenceModel.Load(path);
            Assert.Equal([1, 3], loaded.Network.Shape.Dilations!);
            Assert.Equal([1, 3], loaded.Options.Dilations!);
            var expected = model.PredictBatch(Data.Examples);
            var actual = loaded.PredictBatch(Data.Examples);
            for (var i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i].Probabilities, actual[i].Probabilities);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_undilated_model_file_does_not_mention_dilations()
    {
        var model = new SequenceModelTrainer(Options(null)).Initialize(Data);
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-{Guid.NewGuid():N}.model");
        try
        {
            model.Save(path);
            Assert.DoesNotContain("Dilations"u8.ToArray(), Windows(File.ReadAllBytes(path), "Dilations".Length));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IEnumerable<byte[]> Windows(byte[] bytes, int width) =>
        Enumerable.Range(0, bytes.Length - width + 1).Select(i => bytes[i..(i + width)]).Where(w => w[0] == (byte)'D');

    [Theory]
    [InlineData(new[] { 1 }, 2, "one entry per layer: 1 given for 2 layer(s)")]
    [InlineData(new[] { 1, 0 }, 2, "must hold whole numbers between 1 and 100000; layer 1 has 0")]
    [InlineData(new[] { -2 }, 1, "layer 0 has -2")]
    [InlineData(new[] { 200_000 }, 1, "layer 0 has 200000")]
    public void Bad_dilations_are_refused_with_the_field_named(int[] dilations, int layers, string message)
    {
        var options = new SequenceModelOptions { Layers = layers, Dilations = dilations };

        var error = Assert.Throws<ArgumentException>(() => new SequenceModelTrainer(options));

        Assert.Contains("SequenceModelOptions.Dilations", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_dilated_run_with_truncation_and_clipping_reports_every_real_step()
    {
        var options = Options([2, 4], RecurrentCellKind.Lstm);
        options.TruncationSteps = 5;
        options.Epochs = 1;
        var observer = new RecordingObserver();

        var model = new SequenceModelTrainer(options).Fit(Data, observer: observer);

        Assert.True(double.IsFinite(model.TrainingSummary!.FinalTrainLoss));
        Assert.NotEmpty(observer.Steps);
        foreach (var step in observer.Steps)
        {
            foreach (var norms in step.AdjointNorms)
            {
                // g_t per real time step inside the window of k2 = 5 steps, none of them lost to the interleaving.
                Assert.InRange(norms.Length, 1, 5);
                Assert.All(norms, g => Assert.True(float.IsFinite(g) && g >= 0));
                Assert.True(norms[^1] > 0);
            }
        }
    }
}
