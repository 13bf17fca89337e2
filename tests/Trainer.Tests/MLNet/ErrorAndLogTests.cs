using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>Wrong columns are refused by name; the log and the observer see every epoch.</summary>
public sealed class ErrorAndLogTests
{
    private sealed class Row
    {
        public string Label { get; set; } = "";

        public string Text { get; set; } = "";

        public float Number { get; set; }
    }

    private static IDataView Rows(MLContext ml, params string[] texts) =>
        ml.Data.LoadFromEnumerable(texts.Select((t, i) => new Row { Label = i % 2 == 0 ? "a" : "b", Text = t, Number = i }));

    private static IEstimator<ITransformer> Tokens(MLContext ml) =>
        ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens"));

    [Fact]
    public void A_text_label_for_multiclass_names_the_column_its_type_and_the_expectation()
    {
        var ml = new MLContext(1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Tokens(ml)
            .Append(ml.MulticlassClassification.Trainers.Recurrent("Label", "Tokens")).Fit(Rows(ml, "x y", "y z")));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("String", error.Message);
        Assert.Contains("key", error.Message);
    }

    [Fact]
    public void Binary_needs_a_Boolean_and_regression_a_Single_label()
    {
        var ml = new MLContext(1);
        var data = Rows(ml, "x y", "y z");
        var binary = Assert.Throws<ArgumentOutOfRangeException>(() => Tokens(ml)
            .Append(ml.BinaryClassification.Trainers.Recurrent("Number", "Tokens")).Fit(data));
        Assert.Contains("'Number'", binary.Message);
        Assert.Contains("Boolean", binary.Message);
        var regression = Assert.Throws<ArgumentOutOfRangeException>(() => Tokens(ml)
            .Append(ml.Regression.Trainers.Recurrent("Label", "Tokens")).Fit(data));
        Assert.Contains("'Label'", regression.Message);
        Assert.Contains("Single", regression.Message);
    }

    [Fact]
    public void A_feature_column_that_is_not_keys_or_floats_is_refused()
    {
        var ml = new MLContext(1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Regression.Trainers.Recurrent("Number", "Tokens")).Fit(Rows(ml, "x y", "y z")));
        Assert.Contains("'Tokens'", error.Message);
        Assert.Contains("Vector<String>", error.Message);
        Assert.Contains("vector of keys", error.Message);
    }

    [Fact]
    public void In_a_pipeline_a_key_label_on_the_binary_trainer_is_a_schema_mismatch_naming_the_key_type()
    {
        var ml = new MLContext(1);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(Tokens(ml))
            .Append(ml.BinaryClassification.Trainers.Recurrent("Label", "Tokens"));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Fit(Rows(ml, "x y", "y z")));
        Assert.Contains("Schema mismatch for label column 'Label': expected Boolean (binary classification), got Key<UInt32", error.Message);
    }

    [Fact]
    public void In_a_pipeline_a_missing_column_lists_the_columns_there_are()
    {
        var ml = new MLContext(1);
        var pipeline = Tokens(ml).Append(ml.MulticlassClassification.Trainers.Recurrent("Class", "Tokens"));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Fit(Rows(ml, "x y", "y z")));
        Assert.Contains("Could not find label column 'Class'", error.Message);
        Assert.Contains("Label, Text, Number, Tokens", error.Message);
        var features = Assert.Throws<ArgumentOutOfRangeException>(() => Tokens(ml)
            .Append(ml.MulticlassClassification.Trainers.Recurrent("Label", "Words")).Fit(Rows(ml, "x y")));
        Assert.Contains("Could not find feature column 'Words'", features.Message);
    }

    [Fact]
    public void At_fit_the_actual_key_type_is_named()
    {
        var ml = new MLContext(1);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Append(Tokens(ml)).Fit(Rows(ml, "x y", "y z", "z")).Transform(Rows(ml, "x y", "y z", "z"));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.Recurrent("Label", "Tokens").Fit(data));
        Assert.Contains("Schema mismatch for label column 'Label': expected Single (regression), got Key<UInt32, 0-1>", error.Message);
    }

    private sealed class CountingObserver : ITrainingObserver
    {
        public int Steps { get; private set; }

        public List<int> Epochs { get; } = [];

        public void OnStep(StepReport step) => Steps++;

        public void OnEpoch(EpochReport epoch) => Epochs.Add(epoch.Epoch);
    }

    [Fact]
    public void The_observer_the_metrics_and_the_log_see_every_epoch()
    {
        var ml = new MLContext(1);
        var lines = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.RawMessage.StartsWith("Recurrent epoch", StringComparison.Ordinal))
                lock (lines) lines.Add(e.RawMessage);
        };
        var observer = new CountingObserver();
        using var metrics = new TrainingMetrics();
        metrics.RunStarted("ml");
        // What an OpenTelemetry pipeline would see: the gradient-norm histogram on the meter, one value per step.
        var norms = new List<double>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (metrics.Owns(instrument.Meter) && instrument.Name == MetricNames.GradNorm)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => norms.Add(value));
        listener.Start();
        var options = new RecurrentTrainerOptions
        {
            LabelColumnName = "Number",
            FeatureColumnName = "Tokens",
            HiddenSize = 4,
            Epochs = 3,
            BatchSize = 2,
            ClipNorm = 0.01f,
            Observer = observer,
            Metrics = metrics,
            RunId = "ml",
        };
        Tokens(ml).Append(ml.Regression.Trainers.Recurrent(options)).Fit(Rows(ml, "x y z", "y z", "z x y w", "w"));

        Assert.Equal([1, 2, 3], observer.Epochs);
        Assert.Equal(6, observer.Steps);
        Assert.Equal(3, lines.Count);
        Assert.StartsWith("Recurrent epoch 1/3: loss ", lines[0]);
        Assert.Contains("|g| ", lines[2]);
        Assert.Contains("clip rate 100.0%", lines[2]); // a threshold of 0.01 clips every step
        Assert.Contains("vanishing log10 g1/gT ", lines[2]);
        // The same detail the command line's epoch line gives (the default LSTM: its gates and update ratios).
        Assert.Contains(", most saturated ", lines[2]);
        Assert.Contains(", update/weight median ", lines[2]);
        Assert.True(metrics.IsRunExported("ml"));
        Assert.Equal(6, norms.Count);
        Assert.All(norms, norm => Assert.True(norm > 0.01, $"pre-clip norm {norm}"));
    }

    [Fact]
    public void A_validation_fraction_holds_out_rows_that_each_epoch_line_reports()
    {
        var ml = new MLContext(1);
        var lines = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.RawMessage.StartsWith("Recurrent", StringComparison.Ordinal))
                lock (lines) lines.Add(e.RawMessage);
        };
        var options = new RecurrentTrainerOptions
        {
            LabelColumnName = "Number",
            FeatureColumnName = "Tokens",
            HiddenSize = 4,
            Epochs = 2,
            ValidationFraction = 0.25,
        };
        Tokens(ml).Append(ml.Regression.Trainers.Recurrent(options)).Fit(Rows(ml, "x y z", "y z", "z x y w", "w"));
        Assert.Contains(lines, line => line.Contains("3 training sequences, 1 held out", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(line => line.StartsWith("Recurrent epoch", StringComparison.Ordinal) && line.Contains("validation loss", StringComparison.Ordinal)));
    }

    [Fact]
    public void Cancellation_through_the_options_stops_fit()
    {
        var ml = new MLContext(1);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var options = new RecurrentTrainerOptions { LabelColumnName = "Number", FeatureColumnName = "Tokens", CancellationToken = cancelled.Token };
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Tokens(ml).Append(ml.Regression.Trainers.Recurrent(options)).Fit(Rows(ml, "x y", "y z")));
    }
}
