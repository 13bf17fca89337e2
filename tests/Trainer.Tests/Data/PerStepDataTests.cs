using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tests.Data;

/// <summary>
/// Data with a label per step: JSONL "labels"/"targets", CoNLL token-per-line files, the copy task and a character
/// language model over a text file; and the errors that name where a label count or label is wrong.
/// </summary>
public sealed class PerStepDataTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private DataFormatException Fails(string name, string text)
    {
        var path = _dir.Write(name, text);
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(path));
        Assert.Equal(path, e.File);
        SummaryAgreement.AssertSameFailure(path, e);
        return e;
    }

    [Fact]
    public void Jsonl_labels_give_a_class_per_step_and_null_leaves_a_step_unlabelled()
    {
        var path = _dir.Write("tags.jsonl",
            "{\"tokens\": [\"Ann\", \"met\", \"Bob\"], \"labels\": [\"PER\", \"O\", \"PER\"]}\n" +
            "{\"tokens\": [\"in\", \"Rome\"], \"labels\": [null, \"LOC\"]}\n");
        var data = DatasetLoader.Load(path).Train;
        Assert.True(data.PerStep);
        Assert.Equal(["LOC", "O", "PER"], data.Labels.ClassNames);
        Assert.Equal([2, 1, 2], data.Examples[0].StepClassIndices!);
        Assert.Equal([SequenceExample.Unlabelled, 0], data.Examples[1].StepClassIndices!);
    }

    [Fact]
    public void Jsonl_targets_with_fractions_are_a_regression_per_step()
    {
        var path = _dir.Write("series.jsonl",
            "{\"steps\": [[0.1, 1], [0.2, 0], [0.3, 1]], \"targets\": [0.5, 0.25, null]}\n{\"steps\": [[1, 1]], \"targets\": [2]}\n");
        var data = DatasetLoader.Load(path).Train;
        Assert.True(data.PerStep);
        Assert.True(data.Labels.IsRegression);
        Assert.Equal(2, data.FeatureCount);
        Assert.Equal(0.5f, data.Examples[0].StepTargets![0]);
        Assert.True(float.IsNaN(data.Examples[0].StepTargets![2]));
    }

    [Theory]
    [InlineData("{\"tokens\": [\"a\", \"b\", \"c\"], \"labels\": [\"x\", \"y\"]}\n", 1, "labels", "2 labels for 3 tokens")]
    [InlineData("{\"tokens\": [\"a\"], \"labels\": [\"x\"]}\n{\"steps\": [1, 2], \"targets\": [1.5, 2, 3]}\n", 2, "targets", "3 labels for 2 steps")]
    [InlineData("{\"tokens\": [\"a\"], \"labels\": [\"x\"]}\n{\"tokens\": [\"b\"], \"label\": \"y\"}\n", 2, "label", "one label but line 1 has a label per step")]
    [InlineData("{\"tokens\": [\"a\"], \"label\": \"x\", \"labels\": [\"y\"]}\n", 1, "labels", "not both")]
    [InlineData("{\"tokens\": [\"a\"], \"labels\": [\"x\"], \"targets\": [\"y\"]}\n", 1, "targets", "the same thing")]
    [InlineData("{\"tokens\": [\"a\", \"b\"], \"labels\": [\"x\", \"\"]}\n", 1, "labels[1]", "write null")]
    [InlineData("{\"tokens\": [\"a\", \"b\"], \"labels\": [\"x\", [1]]}\n", 1, "labels[1]", "not an array")]
    [InlineData("{\"tokens\": [\"a\", \"b\"], \"labels\": [null, null]}\n", null, "labels", "no step has a label")]
    [InlineData("{\"tokens\": [\"a\", \"b\"], \"labels\": [\"x\", \"x\"]}\n", null, "labels", "at least two classes")]
    public void Jsonl_errors_name_the_line_and_field(string text, int? line, string field, string phrase)
    {
        Rejections.AssertReports(Fails("bad.jsonl", text), line, field, [phrase]);
    }

    [Fact]
    public void Conll_sentences_are_split_by_blank_lines_and_docstart_with_the_label_in_the_last_column()
    {
        var path = _dir.Write("ner.conll",
            "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n\n\n" +
            "Peter NNP B-NP B-PER\r\nBlackburn NNP I-NP I-PER\n");
        var data = DatasetLoader.Load(path).Train;
        Assert.True(data.PerStep);
        Assert.Equal(2, data.Count);
        var vocabulary = data.Vocabulary!;
        Assert.Equal(["EU", "rejects", "German"], data.Examples[0].TokenIds!.Select(id => vocabulary.Tokens[id]));
        Assert.Equal(["B-ORG", "O", "B-MISC"], data.Examples[0].StepClassIndices!.Select(c => data.Labels.ClassNames[c]));
        Assert.Equal(["B-PER", "I-PER"], data.Examples[1].StepClassIndices!.Select(c => data.Labels.ClassNames[c]));
    }

    // A sentence of many short lines: no line is long, the sentence is. Bounded whole, by load and summary alike.
    [Fact]
    public void A_conll_sentence_over_the_byte_bound_is_refused_naming_the_line_where_it_started_and_the_limit()
    {
        var sentence = string.Join("\n", Enumerable.Repeat("word O", 60)); // 60 lines of 6 bytes and 59 breaks: 419 bytes
        var path = _dir.Write("long.conll", $"-DOCSTART- O\n\nEU B-ORG\nrejects O\n\n{sentence}\n\nPeter B-PER\n");
        var options = new DatasetOptions { MaxRecordBytes = 400 };
        foreach (var read in new Action[] { () => DatasetLoader.Load(path, options: options), () => DatasetLoader.Summarize(path, options) })
        {
            var e = Assert.Throws<Recurrent.Trainer.Data.Files.RecordTooLongException>(read);
            Assert.Equal(6, e.Line);
            Assert.Equal(400, e.Limit);
            Assert.Equal($"{path}, line 6: the sentence starting on this line is longer than the limit of 400 bytes per record " +
                "(a sentence's token lines count together, up to the blank line that ends it)", e.Message);
        }
        // At the bound exactly it is taken: the sentence's lines and the breaks between them, not the one that ends it.
        Assert.Equal(3, DatasetLoader.Load(path, options: new DatasetOptions { MaxRecordBytes = 419 }).Train.Count);
        Assert.Throws<Recurrent.Trainer.Data.Files.RecordTooLongException>(() =>
            DatasetLoader.Load(path, options: new DatasetOptions { MaxRecordBytes = 418 }));
        // Unbounded (the command line), the same file loads.
        Assert.Equal(3, DatasetLoader.Load(path).Train.Count);
    }

    [Theory]
    [InlineData("a\tX\nb\n", 2, "label", "the token 'b' has no label")]
    [InlineData("a NN X\nb Y\n", 2, null, "the line has 2 columns but line 1 has 3")]
    [InlineData("\n\n-DOCSTART- O\n", null, null, "no sentences")]
    public void Conll_errors_name_the_line(string text, int? line, string? field, string phrase)
    {
        Rejections.AssertReports(Fails("bad.conll", text), line, field, [phrase]);
    }

    [Fact]
    public void Validation_conll_with_an_unseen_label_names_its_own_line()
    {
        var train = DatasetLoader.Load(_dir.Write("train.conll", "a X\nb Y\n\nc X\n")).Train;
        var e = Assert.Throws<DataFormatException>(() =>
            DatasetLoader.LoadLike(_dir.Write("valid.conll", "a X\n\nb X\nc Z\n"), train));
        Rejections.AssertReports(e, 4, "label", ["the label 'Z' does not occur"]);

        // Per-sequence training data and per-step files do not mix.
        var sequences = DatasetLoader.Load(_dir.Write("s.jsonl", "{\"label\": 1, \"tokens\": [\"a\"]}\n{\"label\": 0, \"tokens\": [\"b\"]}\n")).Train;
        Rejections.AssertReports(Assert.Throws<DataFormatException>(() => DatasetLoader.LoadLike(_dir.File("valid.conll"), sequences)),
            1, "labels", ["a label per step", "one label per sequence"]);
    }

    [Fact]
    public void Prediction_data_for_a_tagger_may_leave_out_every_label()
    {
        var train = DatasetLoader.Load(_dir.Write("t.jsonl", "{\"tokens\": [\"a\", \"b\"], \"labels\": [\"X\", \"Y\"]}\n")).Train;
        var data = DatasetLoader.LoadLike(_dir.Write("p.jsonl", "{\"tokens\": [\"b\", \"z\"]}\n"), train,
            new DatasetOptions { LabelsOptional = true });
        Assert.True(data.PerStep);
        Assert.Equal([SequenceExample.Unlabelled, SequenceExample.Unlabelled], data.Examples[0].StepClassIndices!);
        Assert.Equal(Vocabulary.UnknownId, data.Examples[0].TokenIds![1]);
    }

    [Fact]
    public void A_label_per_step_is_cut_with_its_step()
    {
        var path = _dir.Write("t.jsonl", "{\"tokens\": [\"a\", \"b\", \"c\", \"d\"], \"labels\": [\"1\", \"2\", \"3\", \"4\"]}\n");
        var first = DatasetLoader.Load(path, options: new DatasetOptions { MaxLength = 2 }).Train.Examples[0];
        var last = DatasetLoader.Load(path, options: new DatasetOptions { MaxLength = 2, Truncation = TruncationPolicy.KeepLast }).Train.Examples[0];
        Assert.Equal([0, 1], first.StepClassIndices!);
        Assert.Equal([2, 3], last.StepClassIndices!);
    }

    [Fact]
    public void Copy_has_ten_symbols_a_delay_a_marker_and_the_symbols_as_the_last_targets()
    {
        const int T = 7;
        var splits = DatasetLoader.Load("copy:7", options: new DatasetOptions { Count = 20 });
        var data = splits.Train;
        Assert.True(data.PerStep);
        Assert.Equal(10, data.FeatureCount);
        Assert.Equal(["_", "1", "2", "3", "4", "5", "6", "7", "8"], data.Labels.ClassNames);
        foreach (var e in data.Examples)
        {
            Assert.Equal(T + 20, e.Length);
            int Category(int t) => Array.IndexOf(e.Features!, 1f, t * 10, 10) - t * 10;
            Assert.All(Enumerable.Range(0, e.Length), t => Assert.Equal(1f, e.Features!.AsSpan(t * 10, 10).ToArray().Sum()));
            var symbols = Enumerable.Range(0, 10).Select(Category).ToArray();
            Assert.All(symbols, s => Assert.InRange(s, 1, 8));
            Assert.All(Enumerable.Range(10, T - 1), t => Assert.Equal(0, Category(t)));
            Assert.Equal(9, Category(T + 9));
            Assert.All(Enumerable.Range(T + 10, 10), t => Assert.Equal(0, Category(t)));
            Assert.All(Enumerable.Range(0, T + 10), t => Assert.Equal(0, e.StepClassIndices![t]));
            Assert.Equal(symbols, e.StepClassIndices![(T + 10)..]);
        }
        Assert.Equal(10 * Math.Log(8) / (T + 20), splits.Baseline!.CrossEntropy, 12);
        Assert.NotEqual(data.Examples[0].Features, splits.Test!.Examples[0].Features);
        Assert.Throws<DataFormatException>(() => DatasetSpec.Parse("copy:0"));
    }

    [Fact]
    public void A_character_model_predicts_the_next_character_with_contiguous_held_out_parts()
    {
        var text = string.Concat(Enumerable.Range(0, 50).Select(i => $"line {i % 7}: the cat\r\n"));
        var path = _dir.Write("corpus.txt", text);
        var splits = DatasetLoader.Load($"charlm:{path}:16");
        var normalised = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var train = splits.Train;
        Assert.True(train.PerStep);
        Assert.Equal(TokenUnit.Character, train.TokenUnit);
        Assert.DoesNotContain("\r", train.Labels.ClassNames);
        Assert.Equal(normalised.Distinct().Select(c => c.ToString()).Order(StringComparer.Ordinal), train.Labels.ClassNames);

        // Windows of 16: inputs are the text and each label the character after its input.
        var trainEnd = (int)(normalised.Length * 0.9);
        var rebuilt = string.Concat(train.Examples.SelectMany(e => e.TokenIds!).Select(id => train.Vocabulary!.Tokens[id]));
        Assert.Equal(normalised[..(trainEnd - 1)], rebuilt[..(trainEnd - 1)]);
        Assert.All(train.Examples, e => Assert.InRange(e.Length, 1, 16));
        var first = train.Examples[0];
        Assert.Equal(normalised[1..17], string.Concat(first.StepClassIndices!.Select(c => train.Labels.ClassNames[c])));
        var test = splits.Test!;
        var testStart = (int)(normalised.Length * 0.95);
        Assert.Equal(normalised[testStart].ToString(), test.Vocabulary!.Tokens[test.Examples[0].TokenIds![0]]);
        Assert.InRange(splits.Baseline!.Bits, 1, Math.Log2(train.Labels.ClassCount));
    }

    [Fact]
    public void Character_models_refuse_short_texts_and_other_splits_and_name_unseen_characters()
    {
        var small = _dir.Write("small.txt", "abc");
        Rejections.AssertReports(Assert.Throws<DataFormatException>(() => DatasetLoader.Load($"charlm:{small}")), null, null,
            ["3 characters", "at least 40"]);
        var path = _dir.Write("corpus.txt", string.Concat(Enumerable.Repeat("abcab\n", 20)));
        Assert.Contains("holds out its own", Assert.Throws<DataFormatException>(() =>
            DatasetLoader.Load($"charlm:{path}", testSpec: _dir.Write("t.jsonl", "{}"))).Message);
        var train = DatasetLoader.Load($"charlm:{path}").Train;
        var other = _dir.Write("other.txt", "abc\nabz");
        Rejections.AssertReports(Assert.Throws<DataFormatException>(() => DatasetLoader.LoadLike($"charlm:{other}", train)),
            2, "text", ["column 3", "'z'", "does not occur"]);
        var spec = DatasetSpec.Parse($"charlm:{path}:8");
        Assert.Equal((path, 8), (spec.Path, spec.Length));
        Assert.Equal(DatasetSpec.DefaultCharacterWindow, DatasetSpec.Parse($"charlm:{path}").Length);
    }
}
