using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.MLNet;

namespace Recurrent.Trainer.Tests.MLNet;

public sealed class Review
{
    [LoadColumn(0)]
    public string Label { get; set; } = "";

    [LoadColumn(1)]
    public string Text { get; set; } = "";
}

public sealed class ReviewPrediction
{
    public float[] Score { get; set; } = [];

    public string PredictedLabel { get; set; } = "";
}

public sealed class BinaryReview
{
    public bool Label { get; set; }

    public string Text { get; set; } = "";
}

public sealed class BinaryPrediction
{
    public float Score { get; set; }

    public float Probability { get; set; }

    public bool PredictedLabel { get; set; }
}

public sealed class Steps
{
    public float[] Features { get; set; } = [];

    public float Label { get; set; }
}

public sealed class ValuePrediction
{
    public float Score { get; set; }
}

internal static class MLNetTestData
{
    public static string ReviewsPath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var path = Path.Combine(dir.FullName, "examples", "reviews.csv");
                if (File.Exists(path))
                    return path;
            }
            throw new FileNotFoundException("examples/reviews.csv not found above the test directory.");
        }
    }

    public static IDataView LoadReviews(MLContext ml) =>
        ml.Data.LoadFromTextFile<Review>(ReviewsPath, separatorChar: ',', hasHeader: true, allowQuoting: true);

    // A long-range text task: the class is the first word; 15 to 25 filler words follow.
    public static Review[] LongRange(int count, int seed)
    {
        var random = new Random(seed);
        string[] classes = ["alpha", "beta", "gamma"];
        var filler = Enumerable.Range(0, 30).Select(i => $"w{i}").ToArray();
        return Enumerable.Range(0, count).Select(_ =>
        {
            var c = random.Next(classes.Length);
            var words = new[] { classes[c] }.Concat(Enumerable.Range(0, random.Next(15, 26)).Select(_ => filler[random.Next(filler.Length)]));
            return new Review { Label = $"class_{classes[c]}", Text = string.Join(' ', words) };
        }).ToArray();
    }

    // Hochreiter & Schmidhuber's adding problem, each step (value, marker) flattened: FeaturesPerStep = 2.
    public static Steps[] Adding(int count, int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var values = new float[2 * length];
            var first = random.Next(length / 2);
            var second = length / 2 + random.Next(length / 2);
            for (var t = 0; t < length; t++)
                values[2 * t] = (float)random.NextDouble();
            values[2 * first + 1] = values[2 * second + 1] = 1;
            return new Steps { Features = values, Label = values[2 * first] + values[2 * second] };
        }).ToArray();
    }

    /// <summary>The rows as the engine's dataset, after the fitted pipeline's first <paramref name="prepared"/> transformers.</summary>
    public static SequenceDataset EngineView(ITransformer model, int prepared, IDataView data, RecurrentTask task,
        RecurrentTrainerOptions options)
    {
        var view = data;
        foreach (var transformer in ((IEnumerable<ITransformer>)model).Take(prepared))
            view = transformer.Transform(view);
        return DataViewSequences.Read(view, SequenceColumns.Describe(view.Schema, task, options)).Data;
    }

    public static float[][] Scores(IDataView scored) =>
        scored.Schema["Score"].Type is VectorDataViewType
            ? scored.GetColumn<float[]>("Score").ToArray()
            : scored.GetColumn<float>("Score").Select(s => new[] { s }).ToArray();

    public static double MaxDifference(float[][] a, float[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].Length, b[i].Length);
            for (var j = 0; j < a[i].Length; j++)
                max = Math.Max(max, Math.Abs(a[i][j] - b[i][j]));
        }
        return max;
    }
}
