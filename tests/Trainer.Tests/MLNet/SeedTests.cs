using Microsoft.ML;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>Seeds as in ML.NET: without an explicit Seed the trainer takes its randomness from the MLContext.</summary>
public sealed class SeedTests
{
    private static SequenceModel Train(int? contextSeed, int? seed = null)
    {
        var ml = new MLContext(seed: contextSeed);
        var trainer = ml.MulticlassClassification.Trainers.Recurrent(new RecurrentTrainerOptions
        {
            FeatureColumnName = "Tokens",
            Cell = RecurrentCellKind.Gru,
            HiddenSize = 8,
            EmbeddingSize = 4,
            Epochs = 1,
            BatchSize = 8,
            Seed = seed,
        });
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Append(trainer);
        pipeline.Fit(MLNetTestData.LoadReviews(ml));
        return trainer.LastModel!;
    }

    private static bool SameWeights(SequenceModel a, SequenceModel b) =>
        a.Parameters.Zip(b.Parameters).All(p => p.First.Value.AsSpan().SequenceEqual(p.Second.Value));

    [Fact]
    public void The_same_context_seed_gives_the_same_model()
    {
        var first = Train(contextSeed: 1);
        var second = Train(contextSeed: 1);
        Assert.True(SameWeights(first, second));
        Assert.Equal(first.Options.Seed, second.Options.Seed);
    }

    [Fact]
    public void Different_context_seeds_give_different_models()
    {
        var one = Train(contextSeed: 1);
        var two = Train(contextSeed: 2);
        Assert.NotEqual(one.Options.Seed, two.Options.Seed);
        Assert.False(SameWeights(one, two));
    }

    [Fact]
    public void A_context_without_a_seed_gives_a_different_model_each_time()
    {
        var first = Train(contextSeed: null);
        var second = Train(contextSeed: null);
        Assert.False(SameWeights(first, second));
    }

    [Fact]
    public void An_explicit_seed_wins_over_the_context()
    {
        var one = Train(contextSeed: 1, seed: 7);
        var two = Train(contextSeed: 2, seed: 7);
        Assert.Equal(7, one.Options.Seed);
        Assert.True(SameWeights(one, two));
    }

    [Fact]
    public void The_engine_without_a_seed_is_reproducible_with_seed_1()
    {
        var data = Recurrent.Trainer.Data.DatasetLoader.Load("seed-toy").Train;
        var options = new SequenceModelOptions { HiddenSize = 4, Epochs = 1 };
        var first = new Recurrent.Trainer.Training.SequenceModelTrainer(options).Fit(data);
        var second = new Recurrent.Trainer.Training.SequenceModelTrainer(options).Fit(data);
        Assert.Null(options.Seed);
        Assert.Equal(SequenceModelOptions.Defaults.Seed, first.Options.Seed);
        Assert.True(SameWeights(first, second));
    }
}
