using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Models;

/// <summary>
/// A per-step model as a whole: its file format (new files are format 2; format-1 files of the build before still
/// load and retrain to the same weights), its checkpoints, its predictions and evaluation, and its options' checks.
/// </summary>
public sealed class PerStepModelTests
{
    private static SequenceModelOptions Options(int threads = 2) => new()
    {
        Cell = RecurrentCellKind.Gru,
        HiddenSize = 8,
        Layers = 2,
        Bidirectional = true,
        EmbeddingSize = 6,
        Epochs = 2,
        BatchSize = 8,
        Seed = 3,
        Threads = threads,
        ClipNorm = 1f,
    };

    private static SequenceDataset Tagging(int count = 40, int seed = 5) =>
        EngineFixtures.PerStepData(tokens: true, count, 12, [6, 3, 8, 1, 5], HeadKind.MultiClass, 4, seed);

    private static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Models", "Fixtures", name);

    [Theory]
    [InlineData("format1-seed-toy-rnn.model")]
    [InlineData("format1-temporal-order-lstm-bidirectional.model")]
    public void Format_1_files_of_the_build_before_load_and_the_same_options_retrain_them(string name)
    {
        var path = FixturePath(name);
        Assert.Equal(1, BitConverter.ToInt32(File.ReadAllBytes(path), 8));
        var model = SequenceModel.Load(path);
        Assert.False(model.PerStep);

        // The files were written by `recurrent train` before per-step heads existed: training with the options they
        // record must give the same weights, as per-sequence training is unchanged.
        var data = name.Contains("seed-toy", StringComparison.Ordinal)
            ? DatasetLoader.Load("seed-toy").Train
            : DatasetLoader.Load("temporal-order:30", options: new DatasetOptions { Count = 200 }).Train;
        var retrained = new SequenceModelTrainer(model.Options).Fit(data);
        for (var i = 0; i < model.Parameters.Count; i++)
        {
            var (expected, actual) = (model.Parameters[i].Value, retrained.Parameters[i].Value);
            for (var j = 0; j < expected.Length; j++)
                Assert.True(Math.Abs(expected[j] - actual[j]) <= 1e-6, $"{model.Parameters[i].Name}[{j}]: file {expected[j]}, now {actual[j]}");
        }
        var predictions = model.PredictBatch(data.Examples);
        var again = retrained.PredictBatch(data.Examples);
        Assert.Equal(predictions.Select(p => p.ClassIndex), again.Select(p => p.ClassIndex));
    }

    [Fact]
    public void A_per_step_model_is_saved_as_format_2_and_loads_with_identical_predictions()
    {
        var data = Tagging();
        var model = new SequenceModelTrainer(Options()).Fit(data);
        using var directory = new TempDirectory();
        var path = directory.File("tagger.model");
        model.Save(path);

        Assert.Equal(2, BitConverter.ToInt32(File.ReadAllBytes(path), 8));
        var loaded = SequenceModel.Load(path);
        Assert.True(loaded.PerStep);
        var expected = model.PredictSteps(data.Examples);
        var actual = loaded.PredictSteps(data.Examples);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(data.Examples[i].Length, actual[i].Length);
            for (var t = 0; t < expected[i].Length; t++)
                Assert.Equal(expected[i][t].Probabilities, actual[i][t].Probabilities);
        }
    }

    [Fact]
    public void Resuming_a_per_step_run_from_a_checkpoint_file_reproduces_the_uninterrupted_run()
    {
        var data = Tagging(48);
        var options = Options();
        options.Epochs = 3;
        var uninterrupted = new SequenceModelTrainer(options).Fit(data);
        using var directory = new TempDirectory();
        var path = directory.File("run.ckpt");
        using var cancel = new CancellationTokenSource();
        var checkpoints = new CheckpointOptions
        {
            EverySteps = 4,
            Save = c =>
            {
                c.Save(path);
                if (c.Step == 8)
                    cancel.Cancel();
            },
        };
        Assert.Throws<OperationCanceledException>(() => new SequenceModelTrainer(options).Fit(data, null, null, cancel.Token, checkpoints));

        Assert.Equal(2, BitConverter.ToInt32(File.ReadAllBytes(path), 8));
        var resumed = new SequenceModelTrainer(options).Fit(data,
            checkpoints: new CheckpointOptions { ResumeFrom = TrainingCheckpoint.Load(path) });
        for (var i = 0; i < uninterrupted.Parameters.Count; i++)
            Assert.Equal(uninterrupted.Parameters[i].Value, resumed.Parameters[i].Value);
        Assert.Equal(uninterrupted.TrainingSummary!.FinalTrainLoss, resumed.TrainingSummary!.FinalTrainLoss);
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_weights_on_one_and_two_threads()
    {
        var data = Tagging(300);
        var one = new SequenceModelTrainer(Options(threads: 1)).Fit(data);
        var two = new SequenceModelTrainer(Options(threads: 2)).Fit(data);
        for (var i = 0; i < one.Parameters.Count; i++)
            Assert.Equal(one.Parameters[i].Value, two.Parameters[i].Value);
    }

    [Fact]
    public void A_padded_batch_equals_its_sequences_one_at_a_time()
    {
        var options = Options();
        var data = Tagging(5);
        var network = EngineFixtures.Network(options, data);
        var batch = EngineFixtures.Batch(data);
        var loss = network.ComputeGradients(batch, null, null, 2);
        var gradients = network.Parameters.Select(p => (float[])p.Gradient.Clone()).ToArray();
        var labelled = batch.LabelledSteps;

        // The batch mean over labelled steps is each sequence's own mean weighed by its labelled steps.
        var sumLoss = 0.0;
        var sum = network.Parameters.Select(p => new double[p.Length]).ToArray();
        for (var i = 0; i < data.Count; i++)
        {
            var single = EngineFixtures.Batch(data.Subset([i]));
            var weight = single.LabelledSteps;
            sumLoss += weight * network.ComputeGradients(single, null, null, 1);
            for (var p = 0; p < sum.Length; p++)
            {
                for (var j = 0; j < sum[p].Length; j++)
                    sum[p][j] += weight * network.Parameters[p].Gradient[j];
            }
        }
        Assert.Equal(sumLoss / labelled, loss, 1e-5);
        for (var p = 0; p < sum.Length; p++)
        {
            for (var j = 0; j < sum[p].Length; j++)
            {
                var expected = sum[p][j] / labelled;
                Assert.True(Math.Abs(expected - gradients[p][j]) <= 1e-6 + 1e-4 * Math.Abs(expected),
                    $"{network.Parameters[p].Name}[{j}]: batch {gradients[p][j]}, one at a time {expected}");
            }
        }
    }

    [Fact]
    public void Evaluation_counts_labelled_steps_and_reports_per_label_scores_and_perplexity()
    {
        var data = Tagging(30);
        var model = new SequenceModelTrainer(Options()).Fit(data);
        var evaluation = model.Evaluate(data);

        var predictions = model.PredictSteps(data.Examples);
        long scored = 0, correct = 0;
        var confusion = new int[4, 4];
        for (var i = 0; i < data.Count; i++)
        {
            var labels = data.Examples[i].StepClassIndices!;
            for (var t = 0; t < labels.Length; t++)
            {
                if (labels[t] < 0)
                    continue;
                scored++;
                confusion[labels[t], predictions[i][t].ClassIndex]++;
                if (predictions[i][t].ClassIndex == labels[t])
                    correct++;
            }
        }
        Assert.True(evaluation.PerStep);
        Assert.Equal(scored, evaluation.Scored);
        Assert.Equal((double)correct / scored, evaluation.Accuracy);
        Assert.Equal(confusion, evaluation.ConfusionMatrix);
        Assert.Equal(Math.Exp(evaluation.Loss), evaluation.Perplexity!.Value, 12);
        Assert.Equal(evaluation.Loss / Math.Log(2), evaluation.BitsPerStep!.Value, 12);

        // The loss is the mean cross-entropy of the labelled steps' predicted probabilities.
        var crossEntropy = 0.0;
        for (var i = 0; i < data.Count; i++)
        {
            var labels = data.Examples[i].StepClassIndices!;
            for (var t = 0; t < labels.Length; t++)
            {
                if (labels[t] >= 0)
                    crossEntropy -= Math.Log(predictions[i][t].Probabilities[labels[t]]);
            }
        }
        Assert.Equal(crossEntropy / scored, evaluation.Loss, 4);
    }

    [Fact]
    public void Per_class_scores_follow_from_the_confusion_matrix()
    {
        // Actual along rows: class a has 3 items (2 right), b has 2 (1 right, 1 taken for a), c has none and is
        // never predicted.
        int[,] confusion = { { 2, 1, 0 }, { 1, 1, 0 }, { 0, 0, 0 } };
        var scores = ClassMetrics.FromConfusion(confusion, ["a", "b", "c"]);
        Assert.Equal(new ClassMetrics("a", 2.0 / 3, 2.0 / 3, 2.0 / 3, 3), scores[0]);
        Assert.Equal(0.5, scores[1].Precision);
        Assert.Equal(0.5, scores[1].Recall);
        Assert.Equal(0.5, scores[1].F1);
        Assert.Equal(new ClassMetrics("c", 0, 0, 0, 0), scores[2]);
    }

    [Fact]
    public void Per_step_and_per_sequence_calls_and_data_are_not_mixed_up()
    {
        var tagger = new SequenceModelTrainer(Options()).Initialize(Tagging());
        var classifier = new SequenceModelTrainer(Options())
            .Initialize(EngineFixtures.TokenData(4, 12, [3], HeadKind.MultiClass, 3, seed: 1));

        Assert.Contains("PredictSteps", Assert.Throws<InvalidOperationException>(() => tagger.Predict(Tagging().Examples[0])).Message);
        Assert.Throws<InvalidOperationException>(() => classifier.PredictSteps(Tagging().Examples[0]));
        var error = Assert.Throws<ArgumentException>(() => tagger.Evaluate(EngineFixtures.TokenData(4, 12, [3], HeadKind.MultiClass, 4, seed: 1)));
        Assert.Contains("one label per sequence", error.Message);
    }

    [Fact]
    public void A_per_step_head_takes_no_truncation_stride_other_than_its_segment()
    {
        var options = Options();
        options.TruncationSteps = 4;
        options.TruncationStride = 2;
        var error = Assert.Throws<ArgumentException>(() => new SequenceModelTrainer(options).Fit(Tagging()));
        Assert.Equal(nameof(SequenceModelOptions.TruncationStride), error.ParamName);

        options.TruncationStride = 4;
        Assert.True(new SequenceModelTrainer(options).Fit(Tagging()).PerStep);
    }
}
