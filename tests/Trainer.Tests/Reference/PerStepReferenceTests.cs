namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// The reference's per-step head checked against its own definition: truncated gradients are those of the loss with
/// the states entering each segment held constant, a segment as long as the sequence is full BPTT, the adjoint norms
/// are the measured adjoint of the last step's loss alone, and unlabelled or padded steps carry nothing.
/// </summary>
public sealed class PerStepReferenceTests
{
    public static TheoryData<ReferenceCellKind, int, bool, int> TruncatedShapes => new()
    {
        { ReferenceCellKind.Rnn, 1, false, 1 },
        { ReferenceCellKind.Rnn, 2, true, 2 },
        { ReferenceCellKind.Lstm, 1, false, 2 },
        { ReferenceCellKind.Lstm, 2, true, 3 },
        { ReferenceCellKind.Gru, 1, true, 2 },
        { ReferenceCellKind.Gru, 2, false, 1 },
    };

    private static ReferenceConfig Config(ReferenceCellKind cell, int layers, bool bidirectional, int? truncation = null,
        int[]? dilations = null) => new()
        {
            Cell = cell,
            Layers = layers,
            Bidirectional = bidirectional,
            HiddenSize = 2,
            Input = ReferenceInputKind.Tokens,
            EmbeddingSize = 2,
            VocabularySize = 5,
            Head = ReferenceHeadKind.MultiClass,
            ClassCount = 3,
            Truncation = truncation,
            Dilations = dilations,
            PerStep = true,
        };

    [Theory]
    [MemberData(nameof(TruncatedShapes))]
    public void Segmented_gradients_match_finite_differences_with_the_segments_entering_states_held_constant(
        ReferenceCellKind cell, int layers, bool bidirectional, int k)
    {
        ReferenceConfig config = Config(cell, layers, bidirectional, k);
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 31);
        ReferenceModel frozen = ReferenceModel.FromParameters(config, model.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 4, 5, 1, 3);

        Dictionary<string, double[]> truncated = model.Gradients(batch).Gradients;

        Assert.Equal(model.Loss(batch), model.LossWithDetachedStates(batch, frozen.Parameters), 12);
        Assert.Empty(FiniteDifferences.Mismatches(model, () => model.LossWithDetachedStates(batch, frozen.Parameters), truncated));
        // Cutting the segments changes the gradient: it is not full BPTT's.
        Assert.NotEmpty(FiniteDifferences.Mismatches(model, batch, truncated));
    }

    [Fact]
    public void Dilated_segments_match_finite_differences_with_the_cut_states_held_constant()
    {
        ReferenceConfig config = Config(ReferenceCellKind.Lstm, 2, true, truncation: 3, dilations: [2, 1]);
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 7);
        ReferenceModel frozen = ReferenceModel.FromParameters(config, model.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 2, 7, 4);

        Assert.Empty(FiniteDifferences.Mismatches(model, () => model.LossWithDetachedStates(batch, frozen.Parameters),
            model.Gradients(batch).Gradients));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(9)]
    public void A_segment_as_long_as_every_sequence_is_full_bptt(int k)
    {
        ReferenceConfig config = Config(ReferenceCellKind.Gru, 2, true);
        ReferenceModel full = ReferenceModel.CreateRandom(config, seed: 3);
        ReferenceModel segmented = ReferenceModel.FromParameters(config with { Truncation = k }, full.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 9, 5, 1, 3);

        ReferenceGradients expected = full.Gradients(batch);
        ReferenceGradients actual = segmented.Gradients(batch);

        Assert.Equal(expected.Loss, actual.Loss);
        foreach (string name in full.ParameterNames)
        {
            Assert.Equal(expected.Gradients[name], actual.Gradients[name]);
        }
    }

    /// <summary>g_t = ‖∂ℓ_{T−1}/∂s_t‖: nudge s_t and difference the last step's loss, with its window under truncation.</summary>
    [Theory]
    [InlineData(ReferenceCellKind.Rnn, 1, false, null)]
    [InlineData(ReferenceCellKind.Lstm, 2, true, null)]
    [InlineData(ReferenceCellKind.Gru, 2, true, null)]
    [InlineData(ReferenceCellKind.Lstm, 1, false, 2)]
    [InlineData(ReferenceCellKind.Gru, 2, true, 3)]
    public void Adjoint_norms_are_those_of_the_last_steps_loss_alone(ReferenceCellKind cell, int layers, bool bidirectional,
        int? k)
    {
        ReferenceConfig config = Config(cell, layers, bidirectional, k) with { Input = ReferenceInputKind.Numeric, FeatureCount = 3 };
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 21);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 8, 5, 1, 4);
        int stateWidth = cell == ReferenceCellKind.Lstm ? 2 * config.HiddenSize : config.HiddenSize;

        IReadOnlyList<ReferenceAdjointNorms> norms = model.Gradients(batch).AdjointNorms;

        for (int b = 0; b < batch.Length; b++)
        {
            int length = batch[b].Length;
            int first = k is int segment && segment < length ? segment * ((length - 1) / segment) : 0;
            Assert.Equal(first, norms[b].FirstStep);
            Assert.Equal(length - first, norms[b].Norms.Length);
            for (int t = first; t < length; t++)
            {
                double sumOfSquares = 0;
                for (int j = 0; j < stateWidth; j++)
                {
                    double plus = model.LastStepLoss(batch, b, new ReferenceStateOffset(b, t, j, FiniteDifferences.Step));
                    double minus = model.LastStepLoss(batch, b, new ReferenceStateOffset(b, t, j, -FiniteDifferences.Step));
                    double component = (plus - minus) / (2 * FiniteDifferences.Step);
                    sumOfSquares += component * component;
                }

                Assert.True(FiniteDifferences.Close(Math.Sqrt(sumOfSquares), norms[b].Norms[t - first]),
                    $"sample {b} step {t}: reported {norms[b].Norms[t - first]:R}, measured {Math.Sqrt(sumOfSquares):R}");
            }
        }
    }

    [Fact]
    public void The_loss_is_the_mean_over_labelled_steps_and_unlabelled_steps_carry_nothing()
    {
        ReferenceConfig config = Config(ReferenceCellKind.Lstm, 1, true);
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 5);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 6, 4, 2, 5);

        // The batch mean is the sum of each sample's step losses over all labelled steps.
        int labelled = batch.Sum(s => Enumerable.Range(0, s.Length).Count(s.IsLabelled));
        double sum = batch.Sum(s => model.Loss([s]) * Math.Max(1, Enumerable.Range(0, s.Length).Count(s.IsLabelled)));
        Assert.Equal(sum / labelled, model.Loss(batch), 12);

        // A step without a label was left out: labelling it changes the loss, and the gradient still holds.
        int sample = Array.FindIndex(batch, s => Enumerable.Range(0, s.Length).Any(t => !s.IsLabelled(t)));
        Assert.True(sample >= 0, "the fixture leaves some step unlabelled");
        int step = Enumerable.Range(0, batch[sample].Length).First(t => !batch[sample].IsLabelled(t));
        ReferenceSample relabelled = batch[sample] with { StepClasses = [.. batch[sample].StepClasses!.Select((c, t) => t == step ? 2 : c)] };
        ReferenceSample[] changed = [.. batch.Select((s, b) => b == sample ? relabelled : s)];
        Assert.NotEqual(model.Loss(batch), model.Loss(changed));
        Assert.Empty(FiniteDifferences.Mismatches(model, changed, model.Gradients(changed).Gradients));
    }
}
