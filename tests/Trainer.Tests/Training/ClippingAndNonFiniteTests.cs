using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

public class ClippingAndNonFiniteTests
{
    private static Parameter[] Gradients(params float[] values)
    {
        var p = new Parameter("p", "W_hh", values.Length);
        values.CopyTo(p.Gradient, 0);
        return [p];
    }

    [Fact]
    public void Norm_clipping_rescales_only_above_the_threshold_and_keeps_direction()
    {
        var below = Gradients(3f, 4f);
        Assert.False(GradientClipping.ClipByNorm(below, 5.0, 5f));
        Assert.Equal([3f, 4f], below[0].Gradient);

        var above = Gradients(6f, 8f);
        Assert.True(GradientClipping.ClipByNorm(above, 10.0, 5f));
        Assert.Equal(3f, above[0].Gradient[0], 5);
        Assert.Equal(4f, above[0].Gradient[1], 5);

        var justAbove = Gradients(3f, 4.0001f);
        Assert.True(GradientClipping.ClipByNorm(justAbove, Math.Sqrt(9 + 4.0001 * 4.0001), 5f));
    }

    [Fact]
    public void Value_clipping_clamps_each_element_and_reports_whether_any_exceeded()
    {
        var atThreshold = Gradients(0.1f, -0.1f, 0.05f);
        Assert.False(GradientClipping.ClipByValue(atThreshold, 0.1f));
        var over = Gradients(0.3f, -0.25f, 0.05f);
        Assert.True(GradientClipping.ClipByValue(over, 0.1f));
        Assert.Equal([0.1f, -0.1f, 0.05f], over[0].Gradient);
    }

    [Fact]
    public void NaN_in_an_input_skips_the_update_and_leaves_weights_untouched()
    {
        var data = EngineFixtures.NumericData(8, 2, [5], HeadKind.Binary, 2, seed: 1);
        var poisoned = data.Examples.ToArray();
        var steps = (float[])poisoned[0].Features!.Clone();
        steps[3] = float.NaN;
        poisoned[0] = SequenceExample.FromSteps(steps, 2, poisoned[0].ClassIndex);
        var poisonedData = new SequenceDataset("nan", InputKind.Numeric, 2, null, data.Labels, poisoned);
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Lstm, HiddenSize = 4, Epochs = 1, BatchSize = 8 };
        var trainer = new SequenceModelTrainer(options);
        var initial = trainer.Initialize(poisonedData).Parameters.Select(p => (float[])p.Value.Clone()).ToArray();
        var observer = new RecordingObserver();
        var model = trainer.Fit(poisonedData, observer: observer);
        Assert.True(observer.Steps.Single().NonFinite);
        Assert.Equal(1, trainer.LastSummary!.NonFiniteSteps);
        for (var i = 0; i < initial.Length; i++)
            Assert.Equal(initial[i], model.Parameters[i].Value);
    }

    [Fact]
    public void Stop_policy_throws_at_the_first_non_finite_step()
    {
        var data = EngineFixtures.NumericData(4, 2, [5], HeadKind.Regression, 0, seed: 1);
        var examples = data.Examples.ToArray();
        examples[2] = SequenceExample.FromSteps(new float[10], 2, float.PositiveInfinity);
        var bad = new SequenceDataset("inf", InputKind.Numeric, 2, null, data.Labels, examples);
        var options = new SequenceModelOptions { HiddenSize = 3, BatchSize = 4, NonFinitePolicy = RecurrentNonFinitePolicy.Stop };
        var error = Assert.Throws<NonFiniteGradientException>(() => new SequenceModelTrainer(options).Fit(bad));
        Assert.Equal(1, error.Step);
        Assert.Contains("NaN or infinite", error.Message);
    }

    [Fact]
    public void Exploding_IRNN_with_norm_clipping_reports_clipped_steps_and_stays_finite()
    {
        var data = EngineFixtures.NumericData(32, 2, [30], HeadKind.Regression, 0, seed: 6);
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Rnn,
            Activation = RecurrentActivation.Relu,
            RecurrentInit = RecurrentInit.Identity,
            HiddenSize = 8,
            Optimizer = RecurrentOptimizerKind.Sgd,
            LearningRate = 0.5f,
            ClipNorm = 1f,
            Epochs = 3,
            BatchSize = 8,
        };
        var observer = new RecordingObserver();
        new SequenceModelTrainer(options).Fit(data, observer: observer);
        Assert.Contains(observer.Steps, s => s.Clipped && s.PreClipNorm > 1);
        Assert.DoesNotContain(observer.Steps, s => s.NonFinite);
    }
}
