using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Idx;

namespace Recurrent.Trainer.Tests.Data;

/// <summary>
/// Reads the real files of the Debian package dataset-fashion-mnist (scripts/setup.sh installs it). These
/// tests fail, not skip, when the package is missing: the built-in dataset would be broken for users too.
/// </summary>
public sealed class FashionMnistTests
{
    private static readonly DatasetOptions Small = new() { Count = 5, EvaluationCount = 3 };

    [Fact]
    public void Rows_view_reads_the_first_training_and_test_images()
    {
        var splits = DatasetLoader.Load("fashion-mnist-rows", options: Small);
        var train = splits.Train;
        Assert.Equal(5, train.Count);
        Assert.Equal(3, splits.Test!.Count);
        Assert.Equal(28, train.FeatureCount);
        Assert.All(train.Examples, e => Assert.Equal(28, e.Length));
        Assert.Equal(FashionMnist.ClassNames, train.Labels.ClassNames);
        // The first five training labels of Fashion-MNIST: Ankle boot, T-shirt/top, T-shirt/top, Dress, T-shirt/top.
        Assert.Equal([9, 0, 0, 3, 0], train.Examples.Select(e => e.ClassIndex));
        // The first test labels: Ankle boot, Pullover, Trouser.
        Assert.Equal([9, 2, 1], splits.Test.Examples.Select(e => e.ClassIndex));
        Assert.All(train.Examples, e => Assert.All(e.Features!, v => Assert.InRange(v, 0f, 1f)));
        Assert.Contains(train.Examples[0].Features!, v => v > 0.5f);
    }

    [Fact]
    public void Pixels_view_is_the_same_pixels_one_per_step()
    {
        var rows = DatasetLoader.Load("fashion-mnist-rows", options: new DatasetOptions { Count = 1, EvaluationCount = 1 });
        var pixels = DatasetLoader.Load("fashion-mnist-pixels", options: new DatasetOptions { Count = 1, EvaluationCount = 1 });
        Assert.Equal(1, pixels.Train.FeatureCount);
        Assert.Equal(784, pixels.Train.Examples[0].Length);
        Assert.Equal(rows.Train.Examples[0].Features!, pixels.Train.Examples[0].Features!);
    }

    [Fact]
    public void Class_names_are_the_fashion_mnist_names()
    {
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            FashionMnist.ClassNames);
    }
}
