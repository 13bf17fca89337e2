using System.Globalization;
using System.Text.RegularExpressions;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.MLNet;

/// <summary>The ML.NET examples under examples/ build with the solution and run to a sensible result.</summary>
public sealed partial class ExamplesTests
{
    private static string Run(string example)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Path.Combine(RepositoryPaths.Root, "examples", example, "bin", configuration, "net10.0", $"{example}.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built.");
        return ExternalProcess.Run("dotnet", [dll]);
    }

    private static double Figure(string output, string name)
    {
        var match = Regex.Match(output, $@"{Regex.Escape(name)} (-?[0-9.]+)");
        Assert.True(match.Success, $"'{name}' not in:\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Text_classification_learns_the_reviews_and_predicts_after_reloading()
    {
        var output = Run("MLNet.TextClassification");
        // Ten held-out reviews make the test accuracy coarse; the fit itself must be complete.
        Assert.InRange(Figure(output, "test accuracy"), 0.5, 1.0);
        Assert.Matches(@"Recurrent epoch 20/20: loss [0-9.e-]+, accuracy 100\.0%", output);
        Assert.Contains("\"a warm and funny film\" -> pos", output);
        Assert.Contains("\"dull, far too long and wooden\" -> neg", output);
        Assert.Contains("onnx: \"a warm and funny film\" -> pos", output);
        Assert.Contains("onnx: \"dull, far too long and wooden\" -> neg", output);
    }

    [Fact]
    public void Binary_sentiment_ranks_the_held_out_reviews()
    {
        var output = Run("MLNet.BinarySentiment");
        Assert.InRange(Figure(output, "AUC"), 0.8, 1.0);
        Assert.Contains("\"a warm and funny film\" -> positive: True", output);
    }

    [Fact]
    public void Time_series_regression_predicts_the_next_value()
    {
        var output = Run("MLNet.TimeSeriesRegression");
        Assert.InRange(Figure(output, "R²"), 0.9, 1.0);
        Assert.InRange(Figure(output, "test RMSE"), 0, 0.3);
    }
}
