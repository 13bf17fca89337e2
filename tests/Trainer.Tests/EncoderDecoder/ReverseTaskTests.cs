using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.EncoderDecoder;

/// <summary>
/// The built-in reversal task, an encoder–decoder trained on it against the copy-the-input baseline, and its model
/// file (format 4) beside the older formats.
/// </summary>
public sealed class ReverseTaskTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static SequenceModelOptions Small() => new()
    {
        Cell = RecurrentCellKind.Lstm,
        HiddenSize = 48,
        EmbeddingSize = 8,
        Epochs = 12,
        BatchSize = 16,
        LearningRate = 0.01f,
        LearningRateDecay = 0.8f,
        ClipNorm = 1,
        Seed = 3,
        Threads = 1,
    };

    private static SequenceModelOptions Options(Action<SequenceModelOptions> change)
    {
        var options = Small();
        change(options);
        return options;
    }

    private static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Models", "Fixtures", name);

    [Fact]
    public void Reverse_pairs_have_sources_of_one_to_n_symbols_and_their_reversal_as_targets()
    {
        var (train, validation, test) = PairDataset.LoadTask("reverse:6", seed: 4, count: 500);
        Assert.Equal((500, 100, 100), (train.Count, validation.Count, test.Count));
        Assert.All(train.Pairs, p => Assert.Equal(p.Source.Reverse(), p.Target));
        Assert.Equal(Enumerable.Range(1, 6), train.Pairs.Select(p => p.Source.Length).Distinct().Order());
        Assert.All(train.Pairs.SelectMany(p => p.Source), s => Assert.InRange(s, 0, 7));
        // The same seed gives the same pairs; the splits are different streams.
        Assert.Equal(train.Pairs.Select(p => string.Join(',', p.Source)),
            PairDataset.LoadTask("reverse:6", seed: 4, count: 500).Train.Pairs.Select(p => string.Join(',', p.Source)));
        Assert.NotEqual(validation.Pairs.Select(p => string.Join(',', p.Source)), test.Pairs.Select(p => string.Join(',', p.Source)));
    }

    [Theory]
    [InlineData("reverse:0")]
    [InlineData("reverse:501")]
    [InlineData("reverse:x")]
    [InlineData("reverse:")]
    public void A_bad_spec_is_refused_naming_the_range(string spec)
    {
        var e = Assert.Throws<ArgumentException>(() => PairDataset.LoadTask(spec, seed: 1));
        Assert.Contains("reverse:N with N from 1 to 500", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Accuracies_count_a_missing_or_extra_symbol_as_wrong()
    {
        int[][] targets = [[1, 2, 3], [4, 5], [6]];
        int[][] outputs = [[1, 2, 3], [4], [6, 6]];
        var (token, sequence) = EncoderDecoderEvaluation.Accuracies(outputs, targets);
        Assert.Equal(5.0 / 7, token, 12);
        Assert.Equal(1.0 / 3, sequence, 12);
    }

    [Fact]
    public void An_lstm_encoder_decoder_learns_to_reverse_far_beyond_copying_the_input()
    {
        var (train, validation, test) = PairDataset.LoadTask("reverse:5", seed: 2, count: 1000, evaluationCount: 200);
        var epochs = new List<EncoderDecoderEpoch>();
        var model = new EncoderDecoderTrainer(Small()).Fit(train, validation, epochs.Add);
        var result = model.Evaluate(test.Pairs);
        var copy = EncoderDecoderEvaluation.Accuracies(test.Pairs.Select(p => p.Source).ToArray(), test.Pairs.Select(p => p.Target).ToArray());
        foreach (var e in epochs)
            log.WriteLine($"epoch {e.Epoch}: train loss {e.TrainLoss:F4}, validation loss {e.Validation!.Loss:F4}, token {e.Validation.TokenAccuracy:P1}, sequence {e.Validation.SequenceAccuracy:P1}");
        log.WriteLine($"test: loss {result.Loss:F4}, token {result.TokenAccuracy:P1}, sequence {result.SequenceAccuracy:P1}; copying the input: token {copy.Token:P1}, sequence {copy.Sequence:P1}");

        Assert.True(epochs[^1].TrainLoss < epochs[0].TrainLoss / 4, "the loss falls");
        Assert.True(result.SequenceAccuracy >= 0.9, $"sequence accuracy {result.SequenceAccuracy:P1}");
        Assert.True(result.TokenAccuracy >= 0.95, $"token accuracy {result.TokenAccuracy:P1}");
        Assert.True(copy.Sequence < 0.35 && copy.Token < 0.5, "the baseline is far below");
    }

    [Fact]
    public void A_saved_model_loads_as_format_4_and_decodes_the_same_and_the_older_formats_still_load()
    {
        using var directory = new TempDirectory();
        var (train, _, test) = PairDataset.LoadTask("reverse:4", seed: 5, count: 64, evaluationCount: 20);
        var model = new EncoderDecoderTrainer(Options(o => (o.Epochs, o.Cell, o.Layers) = (1, RecurrentCellKind.Gru, 2))).Fit(train, null);
        var path = directory.File("reverse.model");
        model.Save(path);

        Assert.Equal(4, BitConverter.ToInt32(File.ReadAllBytes(path), 8));
        var loaded = EncoderDecoderModel.Load(path);
        Assert.Equal(model.Network.Shape, loaded.Network.Shape);
        Assert.Equal(model.Options.Layers, loaded.Options.Layers);
        Assert.Equal(model.SourceSymbols, loaded.SourceSymbols);
        var sources = test.Pairs.Select(p => p.Source).ToArray();
        Assert.Equal(model.Decode(sources), loaded.Decode(sources));
        Assert.Equal(model.Evaluate(test.Pairs), loaded.Evaluate(test.Pairs));

        // Each reader refuses the other's files by name, and a format-1 file of the build before still loads.
        var asClassifier = Assert.Throws<InvalidDataException>(() => SequenceModel.Load(path));
        Assert.Contains("an encoder–decoder model (format 4)", asClassifier.Message, StringComparison.Ordinal);
        var older = FixturePath("format1-seed-toy-rnn.model");
        Assert.False(SequenceModel.Load(older).PerStep);
        var asEncoderDecoder = Assert.Throws<InvalidDataException>(() => EncoderDecoderModel.Load(older));
        Assert.Contains("not an encoder–decoder model", asEncoderDecoder.Message, StringComparison.Ordinal);

        // A damaged file is refused by its checksum, whichever reader opens it.
        var bytes = File.ReadAllBytes(path);
        bytes[^40] ^= 1;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => EncoderDecoderModel.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_sequences_are_decoded_fewer_to_a_batch_so_a_pass_stays_bounded()
    {
        var (train, _, _) = PairDataset.LoadTask("reverse:3", seed: 1, count: 8);
        var model = new EncoderDecoderTrainer(Options(o => (o.HiddenSize, o.Layers) = (256, 2))).Initialize(train);
        // Short sequences go 64 at a time; 5,000-symbol ones a few at a time; one longer than the budget alone.
        Assert.Equal([(0, 64), (64, 36)], model.Batches(Enumerable.Repeat(10, 100).ToArray()));
        var runs = model.Batches(Enumerable.Repeat(5000, 10).ToArray()).ToArray();
        Assert.True(runs.Length > 1 && runs.All(r => r.Count < 10), string.Join(", ", runs));
        Assert.Equal(10, runs.Sum(r => r.Count));
        Assert.Equal([(0, 1), (1, 1)], model.Batches([200_000, 200_000]));
    }

    [Fact]
    public void Options_without_meaning_for_an_encoder_decoder_are_refused_by_name()
    {
        var (train, _, _) = PairDataset.LoadTask("reverse:3", seed: 1, count: 8);
        var e = Assert.Throws<ArgumentException>(() => new EncoderDecoderTrainer(Options(o => o.Bidirectional = true)).Fit(train, null));
        Assert.Equal("Bidirectional does not apply to an encoder–decoder.", e.Message);
    }
}
