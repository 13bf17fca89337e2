using Recurrent.Trainer.Data;
using Recurrent.Trainer.Tests.MLNet;

namespace Recurrent.Trainer.Tests.Data;

/// <summary>
/// <see cref="DatasetLoader.Measure"/>, what the service sizes an uploaded dataset's run with as the file streams by,
/// gives the sizes of the splits loading the file whole builds (counts, longest per split, vocabulary, outputs), or
/// the same error, for every fixture of the summary tests under the options a run can set, the example files, and
/// character texts.
/// </summary>
public sealed class DatasetMeasureTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly DatasetOptions[] RunOptions =
    [
        new(),
        new() { ValidationFraction = 0.34 },
        new() { ValidationFraction = 0.5, Seed = 7, MaxLength = 2 },
        new() { ValidationFraction = 0.1 }, // too few sequences to hold one out: the loader's error
        new() { VocabularyMaxSize = 3, VocabularyMinCount = 1 },
        new() { VocabularyMinCount = 2 },
        new() { MaxLength = 1, Truncation = TruncationPolicy.KeepLast },
        new() { Count = 2, LabelMode = LabelMode.Classification },
        new() { LabelMode = LabelMode.Regression },
    ];

    [Theory]
    [MemberData(nameof(DatasetSummaryTests.Fixtures), MemberType = typeof(DatasetSummaryTests))]
    public void Fixtures_measure_as_they_load(string name, string text)
    {
        var path = _dir.Write(name, text);
        foreach (var options in RunOptions)
            AssertAgrees(path, options);
    }

    [Theory]
    [InlineData("reviews.csv")]
    [InlineData("sine-windows.csv")]
    public void The_example_files_measure_as_they_load(string name)
    {
        var path = Path.Combine(Path.GetDirectoryName(MLNetTestData.ReviewsPath)!, name);
        foreach (var options in RunOptions)
            AssertAgrees(path, options);
    }

    [Theory]
    [InlineData("charlm:{0}")]
    [InlineData("charlm:{0}:7")]
    [InlineData("charlm:{0}:1000")]
    public void Texts_measure_as_they_load(string spec)
    {
        var texts = new[]
        {
            _dir.Write("crlf.txt", string.Concat(Enumerable.Repeat("caf\u00e9 cr\u00e8me \U0001F600\r\nline two\rthree\n", 9))),
            _dir.Write("short.txt", "abcdefghijklmnopqrstuvwxyzabcdefghijklmn"), // 40 characters: the shortest taken
            _dir.Write("too-short.txt", "abc"),
            _dir.Write("one.txt", new string('a', 100)),
            "/usr/share/common-licenses/GPL-3",
        };
        foreach (var text in texts)
        {
            foreach (var options in new DatasetOptions[] { new(), new() { Count = 3, EvaluationCount = 2 }, new() { MaxLength = 5 },
                         new() { ValidationFraction = 0.1 } })
                AssertAgrees(string.Format(System.Globalization.CultureInfo.InvariantCulture, spec, text), options);
        }
    }

    // Loads the spec whole and measures it, and asserts both give the same sizes or the same error.
    private static void AssertAgrees(string spec, DatasetOptions options)
    {
        DatasetSplits splits;
        try
        {
            splits = DatasetLoader.Load(spec, options: options);
        }
        catch (DataFormatException loaded)
        {
            var measured = Assert.Throws<DataFormatException>(() => DatasetLoader.Measure(spec, options));
            Assert.Equal((loaded.File, loaded.Line, loaded.Field, loaded.Problem),
                (measured.File, measured.Line, measured.Field, measured.Problem));
            return;
        }
        var measure = DatasetLoader.Measure(spec, options);
        var train = splits.Train;
        var evaluation = new[] { splits.Validation, splits.Test }.Where(s => s is { Count: > 0 }).Select(s => s!).ToArray();
        Assert.Equal(train.InputKind, measure.InputKind);
        Assert.Equal(train.FeatureCount, measure.FeatureCount);
        Assert.Equal(train.Count, measure.TrainCount);
        Assert.Equal(evaluation.Sum(s => s.Count), measure.EvaluationCount);
        Assert.Equal(train.Examples.Max(e => e.Length), measure.TrainMaxLength);
        Assert.Equal(evaluation.Append(train).Max(s => s.Examples.Max(e => e.Length)), measure.MaxLength);
        Assert.Equal(train.Vocabulary?.Count ?? 0, measure.VocabularySize);
        Assert.Equal(train.Labels.IsRegression, measure.Labels.IsRegression);
        Assert.Equal(train.Labels.ClassNames, measure.Labels.ClassNames);
        Assert.Equal(train.PerStep, measure.PerStep);
    }
}
