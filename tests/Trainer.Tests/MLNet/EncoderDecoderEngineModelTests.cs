using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>
/// <see cref="RecurrentEncoderDecoderTrainer.LastModel"/>, the engine model beside the ML.NET one: the seed it ran
/// with, its symbols, the training summary, greedy decoding equal to the ML.NET model's, and the engine's model file
/// that the command line reads (the same decoding after a load).
/// </summary>
public sealed class EncoderDecoderEngineModelTests
{
    public sealed class Pair
    {
        public string Source { get; set; } = "";
        public string Target { get; set; } = "";
    }

    // Sources of 1 to 4 letters of a–e; the target is the source reversed.
    private static Pair[] Reversals(int count, int seed)
    {
        var random = new Random(seed);
        string[] letters = ["a", "b", "c", "d", "e"];
        return Enumerable.Range(0, count).Select(_ =>
        {
            var source = Enumerable.Range(0, random.Next(1, 5)).Select(_ => letters[random.Next(letters.Length)]).ToArray();
            return new Pair { Source = string.Join(' ', source), Target = string.Join(' ', source.Reverse()) };
        }).ToArray();
    }

    private static IEstimator<ITransformer> Featurize(MLContext ml) =>
        ml.Transforms.Text.TokenizeIntoWords("SourceWords", "Source")
            .Append(ml.Transforms.Text.TokenizeIntoWords("TargetWords", "Target"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Features", "SourceWords"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label", "TargetWords"));

    private static RecurrentTrainerOptions Options() => new()
    {
        Cell = RecurrentCellKind.Gru,
        HiddenSize = 16,
        EmbeddingSize = 4,
        Epochs = 3,
        BatchSize = 16,
        LearningRate = 0.01f,
        ValidationFraction = 0.2,
    };

    [Fact]
    public void The_last_model_gives_the_seed_symbols_summary_and_decoding_of_the_fit_and_its_file_decodes_the_same()
    {
        var ml = new MLContext(seed: 11);
        var data = ml.Data.LoadFromEnumerable(Reversals(200, seed: 1));
        var trainer = ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(Options());
        Assert.Null(trainer.LastModel);
        var model = Featurize(ml).Append(trainer).Fit(data);
        var engine = trainer.LastModel!;

        // The seed the context gave is recorded; the options are a copy.
        Assert.NotNull(engine.Options.Seed);
        Assert.Equal(RecurrentCellKind.Gru, engine.Options.Cell);
        engine.Options.HiddenSize = 99;
        Assert.Equal(16, engine.Options.HiddenSize);
        // Symbols in the keys' order: id i is key i + 1.
        var scored = model.Transform(data);
        var sourceKeys = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["Features"].GetKeyValues(ref sourceKeys);
        Assert.Equal(sourceKeys.DenseValues().Select(v => v.ToString()), engine.SourceSymbols);
        Assert.Equal(5, engine.TargetSymbols.Count);

        // 160 training pairs (a fifth held out), batches of 16: 10 steps an epoch.
        var summary = engine.TrainingSummary;
        Assert.Equal(3, summary.Epochs);
        Assert.Equal(30, summary.Steps);
        Assert.Equal(0, summary.NonFiniteSteps);
        Assert.True(double.IsFinite(summary.FinalTrainLoss) && summary.FinalTrainLoss > 0, $"train loss {summary.FinalTrainLoss}");
        Assert.NotNull(summary.BestValidationLoss);
        Assert.False(summary.StoppedEarly);
        Assert.True(summary.Duration > TimeSpan.Zero && summary.SequencesPerSecond > 0);
        Assert.InRange(summary.SequencesPerSecond * summary.Duration.TotalSeconds, 3 * 160 - 0.5, 3 * 160 + 0.5);

        // Decoding is the ML.NET model's PredictedLabel (key = id + 1), and the saved file decodes the same.
        var sources = scored.GetColumn<VBuffer<uint>>("Features").Select(v => v.DenseValues().Select(k => (int)k - 1).ToArray()).ToArray();
        var predicted = scored.GetColumn<VBuffer<uint>>("PredictedLabel").Select(v => v.DenseValues().Select(k => (int)k - 1).ToArray()).ToArray();
        var decoded = engine.Decode(sources);
        Assert.Equal(predicted, decoded);
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-engine-{Guid.NewGuid():N}.model");
        try
        {
            engine.Save(path);
            var loaded = EncoderDecoderModel.Load(path);
            Assert.Equal(decoded, loaded.Decode(sources));
            Assert.Equal(engine.TargetSymbols, loaded.TargetSymbols);
            Assert.Equal(engine.Options.Seed, loaded.Options.Seed);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Throws<ArgumentException>(() => engine.Decode([[]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.Decode([[engine.SourceSymbols.Count]]));
    }

    [Fact]
    public void An_explicit_seed_is_the_one_the_last_model_records()
    {
        var ml = new MLContext(seed: 12);
        var options = Options();
        options.Seed = 7;
        options.Epochs = 1;
        options.ValidationFraction = 0;
        var trainer = ml.MulticlassClassification.Trainers.RecurrentEncoderDecoder(options);
        Featurize(ml).Append(trainer).Fit(ml.Data.LoadFromEnumerable(Reversals(40, seed: 2)));
        Assert.Equal(7, trainer.LastModel!.Options.Seed);
        Assert.Null(trainer.LastModel.TrainingSummary.BestValidationLoss);
        Assert.Equal(3, trainer.LastModel.TrainingSummary.Steps);
    }
}
