using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tests.Data;

public sealed class JsonlReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private DataFormatException Fails(string text, string name = "bad.jsonl")
    {
        var path = _dir.Write(name, text);
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(path));
        Assert.Equal(path, e.File);
        Assert.StartsWith(path, e.Message);
        SummaryAgreement.AssertSameFailure(path, e);
        return e;
    }

    [Fact]
    public void Reads_token_sequences_with_string_labels()
    {
        var path = _dir.Write("t.jsonl",
            "{\"label\": \"pos\", \"tokens\": [\"cat\", \"mat\"]}\n\n{\"label\": \"neg\", \"tokens\": [\"rat\"], \"id\": 7}\n");
        var data = DatasetLoader.Load(path).Train;
        Assert.Equal(InputKind.Tokens, data.InputKind);
        Assert.Equal(["neg", "pos"], data.Labels.ClassNames);
        Assert.Equal(2, data.Count);
        Assert.Equal(1, data.Examples[0].ClassIndex);
        var vocabulary = data.Vocabulary!;
        Assert.Equal(["cat", "mat"], data.Examples[0].TokenIds!.Select(id => vocabulary.Tokens[id]));
        Assert.Equal(0, data.Examples[1].ClassIndex);
    }

    [Fact]
    public void Reads_numeric_steps_including_bare_numbers_as_width_one()
    {
        var path = _dir.Write("s.jsonl",
            "{\"label\": 1, \"steps\": [[0.1, 2.0], [0.3, 1.5]]}\r\n{\"label\": 0, \"steps\": [[5, 6]]}\r\n");
        var data = DatasetLoader.Load(path).Train;
        Assert.Equal(2, data.FeatureCount);
        Assert.Equal([0.1f, 2.0f, 0.3f, 1.5f], data.Examples[0].Features!);
        Assert.Equal(2, data.Examples[0].Length);

        var bare = _dir.Write("b.jsonl", "{\"label\": \"a\", \"steps\": [1, 2, 3]}\n{\"label\": \"b\", \"steps\": [[4]]}\n");
        var narrow = DatasetLoader.Load(bare).Train;
        Assert.Equal(1, narrow.FeatureCount);
        Assert.Equal(3, narrow.Examples[0].Length);
    }

    [Fact]
    public void Integer_labels_are_classes_and_one_point_zero_is_the_same_class_as_one()
    {
        var path = _dir.Write("c.jsonl",
            "{\"label\": 10, \"tokens\": [\"a\"]}\n{\"label\": 2, \"tokens\": [\"b\"]}\n{\"label\": 1.0, \"tokens\": [\"c\"]}\n{\"label\": 1, \"tokens\": [\"d\"]}\n");
        var data = DatasetLoader.Load(path).Train;
        Assert.False(data.Labels.IsRegression);
        Assert.Equal(["1", "2", "10"], data.Labels.ClassNames);
        Assert.Equal(data.Examples[2].ClassIndex, data.Examples[3].ClassIndex);
    }

    [Fact]
    public void A_fractional_number_label_anywhere_makes_the_file_regression()
    {
        var path = _dir.Write("r.jsonl", "{\"label\": 1, \"steps\": [0.5]}\n{\"label\": 0.25, \"steps\": [0.5]}\n");
        var data = DatasetLoader.Load(path).Train;
        Assert.True(data.Labels.IsRegression);
        Assert.Equal([1f, 0.25f], data.Examples.Select(e => e.Target));
        Assert.All(data.Examples, e => Assert.Equal(-1, e.ClassIndex));
    }

    [Fact]
    public void Label_mode_overrides_the_automatic_rule()
    {
        var path = _dir.Write("m.jsonl", "{\"label\": 1, \"steps\": [0.5]}\n{\"label\": 3, \"steps\": [0.5]}\n");
        var regression = DatasetLoader.Load(path, options: new DatasetOptions { LabelMode = LabelMode.Regression }).Train;
        Assert.True(regression.Labels.IsRegression);
        Assert.Equal(3f, regression.Examples[1].Target);

        var fractional = _dir.Write("f.jsonl", "{\"label\": 0.5, \"steps\": [0.5]}\n{\"label\": 1.5, \"steps\": [0.5]}\n");
        var classes = DatasetLoader.Load(fractional, options: new DatasetOptions { LabelMode = LabelMode.Classification }).Train;
        Assert.Equal(["0.5", "1.5"], classes.Labels.ClassNames);
    }

    [Fact]
    public void Regression_mode_rejects_a_name_label_with_its_line()
    {
        var path = _dir.Write("n.jsonl", "{\"label\": 1, \"steps\": [0.5]}\n{\"label\": \"big\", \"steps\": [0.5]}\n");
        var e = Assert.Throws<DataFormatException>(() =>
            DatasetLoader.Load(path, options: new DatasetOptions { LabelMode = LabelMode.Regression }));
        Assert.Equal(2, e.Line);
        Assert.Equal("label", e.Field);
        Assert.Contains("'big' is not a number", e.Message);
    }

    [Fact]
    public void Malformed_json_names_the_line_and_character()
    {
        var e = Fails("{\"label\": 1, \"tokens\": [\"a\"]}\n{\"label\": 2, \"tokens\": [\"b\"}\n");
        Assert.Equal(2, e.Line);
        Assert.Contains(", line 2:", e.Message);
        Assert.Contains("malformed JSON at character", e.Message);
        Assert.DoesNotContain("LineNumber: 0", e.Message);
    }

    // One row per refused file: the case, the file's text, and what the report must name (null: not pinned).
    public static TheoryData<string, string, int?, string?, string[]> Refusals => new()
    {
        { "A_nan_literal_is_malformed_json", "{\"label\": 1, \"steps\": [NaN]}\n", 1, null, ["malformed JSON"] },
        { "A_line_that_is_not_an_object_is_rejected", "[1, 2]\n", null, null, ["expected a JSON object per line but found an array"] },
        { "Missing_label_names_line_and_field", "{\"label\": 1, \"tokens\": [\"a\"]}\n{\"label\": 0, \"tokens\": [\"a\"]}\n{\"tokens\": [\"b\"]}\n", 3, "label", ["line 3, field 'label': missing label"] },
        { "Null_label_is_missing", "{\"label\": null, \"tokens\": [\"b\"]}\n", null, null, ["field 'label': missing label"] },
        { "Missing_sequence_is_rejected", "{\"label\": 1}\n", null, null, ["line 1", "missing the sequence"] },
        { "Empty_token_sequence_is_rejected", "{\"label\": 1, \"tokens\": [\"a\"]}\n{\"label\": 0, \"tokens\": []}\n", 2, "tokens", ["empty sequence"] },
        { "Empty_step_sequence_is_rejected", "{\"label\": 0, \"steps\": []}\n", null, "steps", ["empty sequence"] },
        { "Infinite_value_is_rejected_with_its_position", "{\"label\": 1, \"steps\": [[1, 2], [3, 1e999]]}\n", null, "steps[1][1]", ["1e999 is not a finite number"] },
        { "Value_overflowing_a_float_is_rejected", "{\"label\": 1, \"steps\": [1e39]}\n", null, "steps[0]", ["infinite as a 32-bit float"] },
        { "Ragged_steps_within_a_sequence_are_rejected", "{\"label\": 1, \"steps\": [[1, 2], [3, 4], [5]]}\n", 1, "steps[2]", ["ragged steps: this step has 1 values but steps[0] has 2"] },
        { "Ragged_steps_across_the_file_are_rejected", "{\"label\": 1, \"steps\": [[1, 2]]}\n{\"label\": 0, \"steps\": [[1, 2, 3]]}\n", 2, null, ["steps have 3 values each but the steps of line 1 have 2"] },
        { "Mixing_tokens_and_steps_in_one_file_is_rejected", "{\"label\": 1, \"steps\": [1]}\n{\"label\": 0, \"tokens\": [\"a\"]}\n", 2, null, ["a file holds one kind of sequence"] },
        { "Non_string_token_is_rejected", "{\"label\": 1, \"tokens\": [\"a\", 3]}\n", null, "tokens[1]", ["a token is a string, not a number"] },
        { "Duplicate_property_is_rejected", "{\"label\": 1, \"label\": 2, \"tokens\": [\"a\"]}\n", null, "label", ["appears twice"] },
        { "A_single_class_is_rejected_naming_the_class", "{\"label\": \"pos\", \"tokens\": [\"a\"]}\n{\"label\": \"pos\", \"tokens\": [\"b\"]}\n", null, "label", ["every training label is 'pos'; a classifier needs at least two classes"] },
        { "An_empty_file_is_rejected", "\n\n", null, null, ["holds no sequences"] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_refused_file_names_its_line_field_and_problem(string @case, string text, int? line, string? field,
        string[] phrases) =>
        // The case names the file, so a failing row is found by its report's path.
        Rejections.AssertReports(Fails(text, @case + ".jsonl"), line, field, phrases);

    [Fact]
    public void A_missing_file_is_reported_as_unreadable()
    {
        var path = System.IO.Path.Combine(_dir.Path, "absent.jsonl");
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("cannot read the file", e.Message);
    }

    [Fact]
    public void Count_reads_only_the_first_sequences_and_does_not_see_later_errors()
    {
        var path = _dir.Write("l.jsonl",
            "{\"label\": 1, \"tokens\": [\"a\"]}\n{\"label\": 0, \"tokens\": [\"b\"]}\nnot json at all\n");
        var data = DatasetLoader.Load(path, options: new DatasetOptions { Count = 2 }).Train;
        Assert.Equal(2, data.Count);
    }
}
