using Microsoft.ML;
using Microsoft.ML.Data;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>
/// Missing values as ML.NET's own trainers treat them: rows with NaN or ±Inf features, an empty token sequence or a
/// missing label are skipped and counted in a warning on the context's log; no row left is an error naming the
/// column; prediction on such a row gives NaN scores and a missing predicted label, never a plausible number.
/// </summary>
public sealed class MissingValueTests
{
    private static RecurrentTrainerOptions Small(string features) => new()
    {
        FeatureColumnName = features,
        FeaturesPerStep = 2,
        HiddenSize = 8,
        EmbeddingSize = 4,
        Epochs = 2,
        BatchSize = 16,
        Seed = 1,
    };

    private static (List<string> Warnings, MLContext Ml) Context()
    {
        var ml = new MLContext(seed: 1);
        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning)
                lock (warnings)
                    warnings.Add(e.RawMessage);
        };
        return (warnings, ml);
    }

    private static Steps[] WithHoles(int count)
    {
        var rows = MLNetTestData.Adding(count, length: 6, seed: 3);
        rows[1].Features[3] = float.NaN;
        rows[4].Features[0] = float.PositiveInfinity;
        rows[7].Features[5] = float.NegativeInfinity;
        rows[9].Label = float.NaN;
        return rows;
    }

    [Fact]
    public void Rows_with_NaN_or_infinite_features_or_label_are_skipped_and_counted_in_the_log()
    {
        var (warnings, ml) = Context();
        var trainer = ml.Regression.Trainers.Recurrent(Small("Features"));
        trainer.Fit(ml.Data.LoadFromEnumerable(WithHoles(60)));

        Assert.Contains(warnings, w => w.Contains("skipped 3 rows with missing features (NaN or infinite) in column 'Features'"));
        Assert.Contains(warnings, w => w.Contains("skipped 1 rows with a missing label in column 'Label'"));
        // The same rows without the four bad ones give the same model: nothing of them reached training.
        var (_, clean) = Context();
        var good = WithHoles(60).Where((_, i) => i is not (1 or 4 or 7 or 9)).ToArray();
        var reference = clean.Regression.Trainers.Recurrent(Small("Features"));
        reference.Fit(clean.Data.LoadFromEnumerable(good));
        Assert.Equal(reference.LastModel!.Parameters.Select(p => p.Value), trainer.LastModel!.Parameters.Select(p => p.Value));
    }

    [Fact]
    public void Every_row_missing_is_an_error_naming_the_column()
    {
        var (_, ml) = Context();
        var rows = MLNetTestData.Adding(4, length: 3, seed: 1);
        foreach (var row in rows)
            row.Features[0] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() => ml.Regression.Trainers.Recurrent(Small("Features"))
            .Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("Every row", error.Message);
        Assert.Contains("4 with missing features (NaN or infinite) in column 'Features'", error.Message);
    }

    [Fact]
    public void Prediction_on_a_row_with_a_missing_value_is_NaN()
    {
        var (_, ml) = Context();
        var model = ml.Regression.Trainers.Recurrent(Small("Features")).Fit(ml.Data.LoadFromEnumerable(WithHoles(60)));
        var engine = ml.Model.CreatePredictionEngine<Steps, ValuePrediction>(model);
        var row = MLNetTestData.Adding(1, length: 6, seed: 9)[0];
        Assert.True(float.IsFinite(engine.Predict(row).Score));
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var copy = new Steps { Features = (float[])row.Features.Clone(), Label = row.Label };
            copy.Features[2] = bad;
            Assert.True(float.IsNaN(engine.Predict(copy).Score), $"a row with {bad} predicted {engine.Predict(copy).Score}");
        }
        Assert.True(float.IsNaN(engine.Predict(new Steps { Features = [] }).Score));
    }

    private sealed class Text
    {
        public string Label { get; set; } = "";
        public string Words { get; set; } = "";
    }

    private sealed class TextPrediction
    {
        public float[] Score { get; set; } = [];
        public string PredictedLabel { get; set; } = "";
    }

    [Fact]
    public void An_empty_token_sequence_is_skipped_in_training_and_predicts_NaN_and_no_label()
    {
        var (warnings, ml) = Context();
        var rows = Enumerable.Range(0, 40).Select(i => new Text { Label = i % 2 == 0 ? "even" : "odd", Words = i % 2 == 0 ? "a b c" : "c b a" }).ToList();
        rows.Insert(5, new Text { Label = "even", Words = "" });
        rows.Insert(9, new Text { Label = "odd", Words = "   " });
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Words"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Append(ml.MulticlassClassification.Trainers.Recurrent(Small("Tokens")))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(ml.Data.LoadFromEnumerable(rows));
        Assert.Contains(warnings, w => w.Contains("skipped 2 rows with empty token sequences in column 'Tokens'"));

        var engine = ml.Model.CreatePredictionEngine<Text, TextPrediction>(model);
        var empty = engine.Predict(new Text { Words = "" });
        Assert.All(empty.Score, s => Assert.True(float.IsNaN(s)));
        Assert.Equal("", empty.PredictedLabel);
        var known = engine.Predict(new Text { Words = "a b c" });
        Assert.All(known.Score, s => Assert.True(float.IsFinite(s)));
        Assert.NotEqual("", known.PredictedLabel);
    }

    [Fact]
    public void A_missing_key_label_is_skipped_as_ML_NET_does()
    {
        var (warnings, ml) = Context();
        var rows = Enumerable.Range(0, 30).Select(i => new Text { Label = i % 2 == 0 ? "even" : "odd", Words = i % 2 == 0 ? "a b" : "b a" }).ToArray();
        // The label's key knows only "even" and "odd": a third value maps to key 0, missing.
        rows[3].Label = "neither";
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", keyData: ml.Data.LoadFromEnumerable(new[] { new LabelOnly { Label = "even" }, new LabelOnly { Label = "odd" } }))
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Words"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Append(ml.MulticlassClassification.Trainers.Recurrent(Small("Tokens")));
        keyed.Fit(ml.Data.LoadFromEnumerable(rows));
        Assert.Contains(warnings, w => w.Contains("skipped 1 rows with a missing label in column 'Label'"));
    }

    private sealed class LabelOnly
    {
        public string Label { get; set; } = "";
    }
}
