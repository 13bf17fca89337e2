using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tests.Data;

/// <summary>
/// The streaming summary (<see cref="DatasetLoader.Summarize"/>, what uploads are checked with) against loading the
/// file whole: the same kind, width, count, longest length and labels, or the same error (file, line, field, problem).
/// </summary>
internal static class SummaryAgreement
{
    /// <summary>Loads <paramref name="path"/> both ways and asserts they agree; the loaded training set, or null when both fail.</summary>
    public static SequenceDataset? AssertAgrees(string path, DatasetOptions? options = null)
    {
        SequenceDataset train;
        try
        {
            train = DatasetLoader.Load(path, options: options).Train;
        }
        catch (DataFormatException loaded)
        {
            AssertSameFailure(path, loaded, options);
            return null;
        }
        var summary = DatasetLoader.Summarize(path, options);
        Assert.Equal(train.InputKind, summary.InputKind);
        Assert.Equal(train.FeatureCount, summary.FeatureCount);
        Assert.Equal(train.Count, summary.Count);
        Assert.Equal(train.Examples.Max(e => e.Length), summary.MaxLength);
        Assert.Equal(train.Labels.IsRegression, summary.Labels.IsRegression);
        Assert.Equal(train.Labels.ClassNames, summary.Labels.ClassNames);
        Assert.Equal(train.PerStep, summary.PerStep);
        return train;
    }

    /// <summary>Asserts the summary of <paramref name="path"/> fails as loading it did.</summary>
    public static void AssertSameFailure(string path, DataFormatException loaded, DatasetOptions? options = null)
    {
        var summarized = Assert.Throws<DataFormatException>(() => DatasetLoader.Summarize(path, options));
        Assert.Equal((loaded.File, loaded.Line, loaded.Field, loaded.Problem),
            (summarized.File, summarized.Line, summarized.Field, summarized.Problem));
    }
}
