using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tests.Data;

public sealed class DatasetSpecTests
{
    [Theory]
    [InlineData("data/train.jsonl", "JsonlFile", 0, 0)]
    [InlineData("Reviews.CSV", "CsvFile", 0, 0)]
    [InlineData("adding:100", "Adding", 100, 0)]
    [InlineData("temporal-order:50", "TemporalOrder", 50, 4)]
    [InlineData("temporal-order:60:8", "TemporalOrder", 60, 8)]
    [InlineData("latch:20", "Latch", 20, 0)]
    [InlineData("seed-toy", "SeedToy", 0, 0)]
    [InlineData("Fashion-MNIST-rows", "FashionMnistRows", 0, 0)]
    [InlineData("fashion-mnist-pixels", "FashionMnistPixels", 0, 0)]
    public void Parses_the_grammar(string text, string kind, int length, int classes)
    {
        var spec = DatasetSpec.Parse(text);
        Assert.Equal(Enum.Parse<DatasetKind>(kind), spec.Kind);
        Assert.Equal(length, spec.Length);
        Assert.Equal(classes, spec.ClassCount);
        Assert.Equal(text, spec.ToString());
        Assert.Equal(spec.IsFile ? text : null, spec.Path);
    }

    [Theory]
    [InlineData("mnist", "spec", "unknown dataset 'mnist'; expected a path ending .jsonl, .csv or .conll")]
    [InlineData("data.txt", "spec", "unknown dataset 'data.txt'")]
    [InlineData("adding", "spec", "expected the form adding:T")]
    [InlineData("adding:10:2", "spec", "expected the form adding:T")]
    [InlineData("adding:abc", "T", "'abc' is not a whole number")]
    [InlineData("adding:-5", "T", "'-5' is not a whole number")]
    [InlineData("adding:1", "T", "the length T must be at least 2, not 1")]
    [InlineData("temporal-order:9", "T", "at least 10, not 9")]
    [InlineData("temporal-order:50:6", "C", "4 classes (two relevant symbols) or 8 (three), not 6")]
    [InlineData("latch:0", "T", "at least 1, not 0")]
    [InlineData("seed-toy:3", "spec", "'seed-toy' takes no parameters")]
    public void Rejects_unknown_names_and_bad_parameters(string text, string field, string message)
    {
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(text));
        Assert.Equal(text, e.File);
        Assert.Equal(field, e.Field);
        Assert.StartsWith($"{text}, field '{field}': ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Validation_data_must_be_a_file()
    {
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load("seed-toy", "latch:3"));
        Assert.Contains("validation and test data must be a .jsonl, .csv or .conll file", e.Message);
    }
}
