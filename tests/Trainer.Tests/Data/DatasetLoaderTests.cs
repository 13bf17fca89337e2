using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tests.Data;

public sealed class DatasetLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string TrainTokens() => _dir.Write("train.jsonl", string.Join('\n',
        "{\"label\": \"pos\", \"tokens\": [\"good\", \"film\"]}",
        "{\"label\": \"neg\", \"tokens\": [\"bad\", \"film\"]}",
        "{\"label\": \"pos\", \"tokens\": [\"good\", \"good\", \"plot\"]}",
        "{\"label\": \"neg\", \"tokens\": [\"dull\"]}"));

    [Fact]
    public void Validation_and_test_use_the_training_vocabulary_and_labels()
    {
        var valid = _dir.Write("valid.jsonl", "{\"label\": \"neg\", \"tokens\": [\"awful\", \"film\"]}\n");
        var test = _dir.Write("test.csv", "label,text\npos,Good plot\n");
        var splits = DatasetLoader.Load(TrainTokens(), valid, test);
        var vocabulary = splits.Train.Vocabulary!;
        Assert.Same(vocabulary, splits.Validation!.Vocabulary);
        Assert.Same(splits.Train.Labels, splits.Test!.Labels);
        Assert.Equal([Vocabulary.UnknownId, vocabulary.IdOf("film")], splits.Validation.Examples[0].TokenIds!);
        Assert.Equal([vocabulary.IdOf("good"), vocabulary.IdOf("plot")], splits.Test.Examples[0].TokenIds!);
        Assert.Equal(splits.Train.Labels.IndexOf("pos"), splits.Test.Examples[0].ClassIndex);
        Assert.Null(splits.Train.Vocabulary!.Tokens.FirstOrDefault(t => t == "awful"));
    }

    [Fact]
    public void Vocabulary_options_limit_the_training_vocabulary()
    {
        var options = new DatasetOptions { VocabularyMinCount = 2 };
        var train = DatasetLoader.Load(TrainTokens(), options: options).Train;
        Assert.Equal(["<pad>", "<unk>", "good", "film"], train.Vocabulary!.Tokens);
        Assert.Equal(Vocabulary.UnknownId, train.Examples[3].TokenIds![0]); // "dull" is seen once

        var small = DatasetLoader.Load(TrainTokens(), options: new DatasetOptions { VocabularyMaxSize = 3 }).Train;
        Assert.Equal(["<pad>", "<unk>", "good"], small.Vocabulary!.Tokens);
    }

    [Fact]
    public void A_data_token_spelled_like_padding_is_unknown_not_padding()
    {
        var path = _dir.Write("p.jsonl", "{\"label\": 1, \"tokens\": [\"<pad>\", \"a\"]}\n{\"label\": 0, \"tokens\": [\"b\"]}\n");
        var data = DatasetLoader.Load(path).Train;
        Assert.Equal(Vocabulary.UnknownId, data.Examples[0].TokenIds![0]);
    }

    [Fact]
    public void A_test_label_unseen_in_training_names_file_line_and_label()
    {
        var test = _dir.Write("test.jsonl",
            "{\"label\": \"pos\", \"tokens\": [\"good\"]}\n{\"label\": \"meh\", \"tokens\": [\"film\"]}\n");
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(TrainTokens(), testSpec: test));
        Assert.Equal(test, e.File);
        Assert.Equal(2, e.Line);
        Assert.Equal("label", e.Field);
        Assert.Contains($"{test}, line 2, field 'label': the label 'meh' does not occur in the training data", e.Message);
    }

    [Fact]
    public void Validation_file_of_another_kind_or_width_is_rejected()
    {
        var steps = _dir.Write("steps.jsonl", "{\"label\": \"pos\", \"steps\": [1, 2]}\n");
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(TrainTokens(), steps));
        Assert.Contains("this file has numeric steps but the training data", e.Message);

        var train = _dir.Write("w2.jsonl", "{\"label\": 1, \"steps\": [[1, 2]]}\n{\"label\": 0, \"steps\": [[1, 2]]}\n");
        var valid = _dir.Write("w3.jsonl", "{\"label\": 1, \"steps\": [[1, 2, 3]]}\n");
        var width = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(train, valid));
        Assert.Contains("steps have 3 values each but the training data", width.Message);
    }

    [Fact]
    public void Validation_fraction_holds_out_a_seeded_disjoint_part()
    {
        var lines = Enumerable.Range(0, 20).Select(i => $"{{\"label\": {i % 2}, \"steps\": [{i}]}}");
        var path = _dir.Write("n.jsonl", string.Join('\n', lines));
        var options = new DatasetOptions { ValidationFraction = 0.25, Seed = 7 };
        var first = DatasetLoader.Load(path, options: options);
        var again = DatasetLoader.Load(path, options: options);
        var other = DatasetLoader.Load(path, options: new DatasetOptions { ValidationFraction = 0.25, Seed = 8 });

        static float[] Values(SequenceDataset d) => d.Examples.Select(e => e.Features![0]).ToArray();
        Assert.Equal(15, first.Train.Count);
        Assert.Equal(5, first.Validation!.Count);
        Assert.Empty(Values(first.Train).Intersect(Values(first.Validation)));
        Assert.Equal(Values(first.Validation), Values(again.Validation!));
        Assert.NotEqual(Values(first.Validation), Values(other.Validation!));
        Assert.Equal(Values(first.Validation).Order(), Values(first.Validation)); // file order is kept
    }

    [Fact]
    public void A_validation_spec_wins_over_the_fraction()
    {
        var valid = _dir.Write("valid.jsonl", "{\"label\": \"neg\", \"tokens\": [\"film\"]}\n");
        var splits = DatasetLoader.Load(TrainTokens(), valid, options: new DatasetOptions { ValidationFraction = 0.5 });
        Assert.Equal(4, splits.Train.Count);
        Assert.Equal(1, splits.Validation!.Count);
    }

    [Fact]
    public void A_fraction_leaving_nothing_is_rejected()
    {
        var e = Assert.Throws<DataFormatException>(() =>
            DatasetLoader.Load(TrainTokens(), options: new DatasetOptions { ValidationFraction = 0.05 }));
        Assert.Equal("ValidationFraction", e.Field);
        Assert.Contains("leaves 0 for validation", e.Message);
    }

    [Theory]
    [InlineData(TruncationPolicy.KeepFirst, new[] { 1f, 2f })]
    [InlineData(TruncationPolicy.KeepLast, new[] { 3f, 4f })]
    public void Max_length_truncates_by_policy(TruncationPolicy policy, float[] expected)
    {
        var path = _dir.Write("t.jsonl", "{\"label\": 1, \"steps\": [1, 2, 3, 4]}\n{\"label\": 0, \"steps\": [5]}\n");
        var data = DatasetLoader.Load(path, options: new DatasetOptions { MaxLength = 2, Truncation = policy }).Train;
        Assert.Equal(expected, data.Examples[0].Features!);
        Assert.Equal([5f], data.Examples[1].Features!);
    }

    [Fact]
    public void Max_length_applies_to_token_files_before_the_vocabulary_is_built()
    {
        var options = new DatasetOptions { MaxLength = 1, Truncation = TruncationPolicy.KeepLast };
        var data = DatasetLoader.Load(TrainTokens(), options: options).Train;
        Assert.All(data.Examples, e => Assert.Equal(1, e.Length));
        Assert.DoesNotContain("bad", data.Vocabulary!.Tokens);
    }

    [Fact]
    public void Max_length_applies_to_built_in_tasks()
    {
        var data = DatasetLoader.Load("latch:10", options: new DatasetOptions { Count = 3, MaxLength = 4 });
        Assert.All(data.Train.Examples, e => Assert.Equal(4, e.Length));
        Assert.All(data.Test!.Examples, e => Assert.Equal(4, e.Length));
    }

    [Fact]
    public void Load_like_encodes_a_file_for_a_saved_vocabulary_and_labels()
    {
        var reference = new SequenceDataset("model", InputKind.Tokens, 0, new Vocabulary(["film"]),
            LabelSet.Classes(["neg", "pos"]), []);
        var path = _dir.Write("e.csv", "label,text\npos,Film film\n");
        var data = DatasetLoader.LoadLike(path, reference);
        Assert.Equal([2, 2], data.Examples[0].TokenIds!);
        Assert.Equal(1, data.Examples[0].ClassIndex);
    }

    [Theory]
    [InlineData("Count", 0)]
    [InlineData("EvaluationCount", -1)]
    [InlineData("VocabularyMaxSize", 1)]
    [InlineData("VocabularyMinCount", 0)]
    [InlineData("MaxLength", 0)]
    public void Bad_options_name_the_option(string option, int value)
    {
        var options = new DatasetOptions();
        typeof(DatasetOptions).GetProperty(option)!.SetValue(options, value);
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(TrainTokens(), options: options));
        Assert.Equal(option, e.Field);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Bad_validation_fraction_is_rejected(double fraction)
    {
        var e = Assert.Throws<DataFormatException>(() =>
            DatasetLoader.Load(TrainTokens(), options: new DatasetOptions { ValidationFraction = fraction }));
        Assert.Contains("the validation fraction must be in [0, 1)", e.Message);
    }
}
