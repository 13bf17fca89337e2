using Recurrent.Trainer.Data;
using Recurrent.Trainer.Tests.MLNet;

namespace Recurrent.Trainer.Tests.Data;

/// <summary>
/// <see cref="DatasetLoader.Summarize"/>, the streaming check uploads go through, decides as loading the file whole:
/// the repository's example files and fixtures of every format and labelling agree on kind, width, count, longest
/// length and labels, and on every error (the readers' own error tests also check it, in their helpers).
/// </summary>
public sealed class DatasetSummaryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("reviews.csv")]
    [InlineData("sine-windows.csv")]
    public void The_example_files_agree(string name)
    {
        var path = Path.Combine(Path.GetDirectoryName(MLNetTestData.ReviewsPath)!, name);
        SummaryAgreement.AssertAgrees(path);
    }

    [Fact]
    public void The_reviews_example_summarizes_as_the_upload_record_states_it()
    {
        var summary = DatasetLoader.Summarize(MLNetTestData.ReviewsPath);
        Assert.Equal(InputKind.Tokens, summary.InputKind);
        Assert.True(summary.Count > 0);
        Assert.Equal(2, summary.Labels.ClassCount);
    }

    public static TheoryData<string, string> Fixtures => new()
    {
        { "tokens.jsonl", "{\"label\": \"pos\", \"tokens\": [\"cat\", \"mat\"]}\n\n{\"label\": \"neg\", \"tokens\": [\"rat\"], \"id\": 7}\n" },
        { "three.jsonl", "{\"label\": \"b\", \"tokens\": [\"x\"]}\n{\"label\": \"c\", \"tokens\": [\"x\", \"y\", \"z\"]}\n{\"label\": \"a\", \"tokens\": [\"y\"]}\n" },
        { "steps.jsonl", "{\"label\": 1, \"steps\": [[0.1, 2.0], [0.3, 1.5]]}\r\n{\"label\": 0, \"steps\": [[5, 6]]}\r\n" },
        { "bare.jsonl", "{\"label\": 10, \"steps\": [1, 2, 3]}\n{\"label\": 2, \"steps\": [4]}\n{\"label\": 1.0, \"steps\": [4]}\n" },
        { "regression.jsonl", "{\"label\": 0.5, \"steps\": [1, 2]}\n{\"label\": 3, \"steps\": [4]}\n{\"label\": -1.25, \"steps\": [4, 5, 6]}\n" },
        // Looks like regression until the last label, a name: classes, collected on a second pass.
        { "late-name.jsonl", "{\"label\": 0.5, \"steps\": [1]}\n{\"label\": 1.5, \"steps\": [2]}\n{\"label\": 1.5, \"steps\": [2]}\n{\"label\": \"x\", \"steps\": [3]}\n" },
        { "late-fraction.jsonl", "{\"label\": 1, \"steps\": [1]}\n{\"label\": 2, \"steps\": [2]}\n{\"label\": 2.5, \"steps\": [3, 4]}\n" },
        { "target-overflow.jsonl", "{\"label\": 0.5, \"steps\": [1]}\n{\"label\": 1e300, \"steps\": [2]}\n{\"label\": 1e301, \"steps\": [2]}\n" },
        { "overflow-classes.jsonl", "{\"label\": 1, \"steps\": [1]}\n{\"label\": 1e300, \"steps\": [2]}\n" },
        { "one-class.jsonl", "{\"label\": \"a\", \"tokens\": [\"x\"]}\n{\"label\": \"a\", \"tokens\": [\"y\"]}\n" },
        { "per-step.jsonl", "{\"labels\": [\"N\", null, \"V\"], \"tokens\": [\"a\", \"b\", \"c\"]}\n{\"targets\": [\"D\"], \"tokens\": [\"d\"]}\n" },
        { "per-step-regression.jsonl", "{\"labels\": [0.5, null], \"steps\": [1, 2]}\n{\"labels\": [1, 1e300], \"steps\": [3, 4]}\n" },
        { "per-step-none.jsonl", "{\"labels\": [null, null], \"tokens\": [\"a\", \"b\"]}\n" },
        { "reviews.csv", "label,text\npos,\"Great, really great!\"\nneg,Awful film\npos,\"multi\nline \"\"quoted\"\" text\"\n" },
        { "numeric-labels.csv", "id,text,label\n1,one two,1\n2,three,1.0\n3,four five six,0\n" },
        { "csv-regression.csv", "label,text\n0.5,a b\n1.5,c\n2,d e f g\n" },
        { "tagged.conll", "-DOCSTART- -X- O\n\nEU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\nBlackburn NNP I-PER\n" },
        { "tagged-regression.conll", "a 0.5\nb 1\n\nc 2.25\n" },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixtures_agree(string name, string text) => SummaryAgreement.AssertAgrees(_dir.Write(name, text));

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixtures_agree_under_other_options(string name, string text)
    {
        var path = _dir.Write(name, text);
        SummaryAgreement.AssertAgrees(path, new DatasetOptions { MaxLength = 1, Truncation = TruncationPolicy.KeepLast });
        SummaryAgreement.AssertAgrees(path, new DatasetOptions { LabelMode = LabelMode.Classification });
        SummaryAgreement.AssertAgrees(path, new DatasetOptions { LabelMode = LabelMode.Regression });
        SummaryAgreement.AssertAgrees(path, new DatasetOptions { Count = 2 });
    }

    [Fact]
    public void A_late_name_after_fractional_numbers_gives_every_class()
    {
        var summary = DatasetLoader.Summarize(_dir.Write("late.jsonl",
            "{\"label\": 0.5, \"steps\": [1]}\n{\"label\": 1.5, \"steps\": [2]}\n{\"label\": \"x\", \"steps\": [3]}\n"));
        Assert.False(summary.Labels.IsRegression);
        Assert.Equal(["0.5", "1.5", "x"], summary.Labels.ClassNames);
    }

    [Fact]
    public void A_regression_target_too_large_for_a_float_is_named_by_its_line()
    {
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Summarize(_dir.Write("big.jsonl",
            "{\"label\": 0.5, \"steps\": [1]}\n{\"label\": 1e300, \"steps\": [2]}\n")));
        Assert.Equal((2L, "label"), (e.Line, e.Field));
        Assert.Contains("not a finite 32-bit float", e.Problem);
    }
}
