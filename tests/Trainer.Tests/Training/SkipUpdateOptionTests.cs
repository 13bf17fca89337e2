using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

/// <summary>
/// The options of the skip gates (<see cref="SequenceModelOptions.SkipUpdates"/> and its budget λ) from the trainer's
/// side: they build the gates, the budget enters the loss the training loop reports and shrinks the share of updates,
/// and the combinations the formulation does not allow are refused naming the options.
/// </summary>
public sealed class SkipUpdateOptionTests
{
    private sealed class Steps : ITrainingObserver
    {
        public List<(double Loss, double Share)> Seen { get; } = [];

        public void OnStep(StepReport step) => Seen.Add((step.Loss, step.Snapshot.UpdateShares.Single()));

        public void OnEpoch(EpochReport epoch)
        {
        }
    }

    private static readonly int[] Lengths = [9, 4, 12, 7, 10, 3, 8, 11];

    private static SequenceDataset Data() => EngineFixtures.NumericData(32, 3, Lengths, HeadKind.MultiClass, 3, seed: 4);

    private static Steps Train(RecurrentCellKind cell, float budget, int epochs, long? maxSteps = null)
    {
        var steps = new Steps();
        new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = cell,
            HiddenSize = 8,
            BatchSize = 32,
            Epochs = epochs,
            MaxSteps = maxSteps,
            LearningRate = 0.05f,
            SkipUpdates = true,
            SkipUpdateBudget = budget,
            Seed = 3,
        }).Fit(Data(), null, steps);
        return steps;
    }

    [Theory]
    [InlineData(RecurrentCellKind.Lstm)]
    [InlineData(RecurrentCellKind.Gru)]
    [InlineData(RecurrentCellKind.Rnn)]
    public void The_budget_adds_lambda_times_the_updates_per_sequence_to_the_loss(RecurrentCellKind cell)
    {
        const float budget = 0.01f;
        var plain = Train(cell, 0, 1, maxSteps: 1).Seen.Single();
        var budgeted = Train(cell, budget, 1, maxSteps: 1).Seen.Single();

        // One batch of every sequence from the same initial weights: the same updates, the loss λ·updates/sequences more.
        Assert.Equal(plain.Share, budgeted.Share);
        // The gates start open (b_p = 1), so most or all steps update.
        Assert.InRange(plain.Share, 0.5, 1);
        var updatesPerSequence = plain.Share * (Lengths.Sum() * 4) / 32;
        Assert.Equal(budget * updatesPerSequence, budgeted.Loss - plain.Loss, 1e-5);
    }

    [Fact]
    public void A_larger_budget_trains_a_gate_that_updates_less()
    {
        var free = Train(RecurrentCellKind.Lstm, 0, 30).Seen[^1].Share;
        var budgeted = Train(RecurrentCellKind.Lstm, 0.05f, 30).Seen[^1].Share;

        Assert.True(budgeted < free - 0.1, $"updates: {budgeted:P0} with the budget, {free:P0} without");
    }

    [Fact]
    public void A_trained_model_keeps_its_gates()
    {
        var model = new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Gru,
            HiddenSize = 4,
            Layers = 2,
            Bidirectional = true,
            Epochs = 1,
            SkipUpdates = true,
        }).Fit(Data());

        Assert.True(model.Network.Shape.SkipUpdates);
        Assert.True(model.Options.SkipUpdates);
        Assert.Equal(4, model.Parameters.Count(p => p.Name.EndsWith(".W_p", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_budget_without_skip_updates_is_refused_naming_both()
    {
        var error = Assert.Throws<ArgumentException>(() => new SequenceModelOptions { SkipUpdateBudget = 1e-5f }.Validate());

        Assert.Equal(nameof(SequenceModelOptions.SkipUpdateBudget), error.ParamName);
        Assert.StartsWith("SequenceModelOptions.SkipUpdateBudget applies only with SkipUpdates.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Omega_with_skip_updates_is_refused_naming_both()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new SequenceModelOptions { Cell = RecurrentCellKind.Rnn, OmegaWeight = 1, SkipUpdates = true }.Validate());

        Assert.StartsWith("SequenceModelOptions.OmegaWeight cannot be combined with SkipUpdates.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_budget_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new SequenceModelOptions { SkipUpdates = true, SkipUpdateBudget = -1 }.Validate());

        Assert.Equal(nameof(SequenceModelOptions.SkipUpdateBudget), error.ParamName);
    }
}
