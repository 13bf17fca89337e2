namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// The reference's skip gates (Campos et al.'s Skip RNN) against their definition. round(ũ_t) has derivative 0
/// almost everywhere, so the gradient is defined by the straight-through estimator; finite differences check it on
/// <see cref="ReferenceModel.StraightThroughLoss"/>, which has the loss's value and the estimator's derivative: finite
/// differences on the smooth parts (cells, W_p, σ, min, the blend), the estimator's 1 on the rounding. Every batch
/// here both skips and updates.
/// </summary>
public sealed class SkipReferenceTests
{
    private static readonly int[] Lengths = [6, 2, 7];

    private static readonly (string Name, ReferenceConfig Config)[] Cells =
    [
        ("Rnn-tanh", new() { Cell = ReferenceCellKind.Rnn, Activation = ReferenceActivation.Tanh }),
        ("Rnn-relu", new() { Cell = ReferenceCellKind.Rnn, Activation = ReferenceActivation.Relu }),
        ("Lstm", new() { Cell = ReferenceCellKind.Lstm }),
        ("Gru-lbr", new() { Cell = ReferenceCellKind.Gru, LinearBeforeReset = true }),
        ("Gru-no-lbr", new() { Cell = ReferenceCellKind.Gru, LinearBeforeReset = false }),
    ];

    private static readonly Dictionary<string, ReferenceConfig> Cases = BuildCases();

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    public static TheoryData<string> TruncatedCaseNames => [.. Cases.Keys.Where(name => name.Contains("truncated"))];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Straight_through_gradients_match_finite_differences(string caseName)
    {
        ReferenceConfig config = Cases[caseName];
        ReferenceModel model = Skipping(ReferenceModel.CreateRandom(config, seed: 11));
        ReferenceModel anchor = ReferenceModel.FromParameters(config, model.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 5, Lengths);
        AssertSkipsAndUpdates(model, batch);

        ReferenceGradients result = model.Gradients(batch);

        Assert.Equal(model.Loss(batch), result.Loss, 12);
        Assert.Equal(model.Loss(batch), model.StraightThroughLoss(batch, anchor.Parameters, detach: config.Truncation is not null), 12);
        var mismatches = FiniteDifferences.Mismatches(model,
            () => model.StraightThroughLoss(batch, anchor.Parameters, detach: config.Truncation is not null), result.Gradients);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Theory]
    [MemberData(nameof(TruncatedCaseNames))]
    public void Truncation_cuts_the_update_probability_with_the_state(string caseName)
    {
        ReferenceConfig config = Cases[caseName];
        ReferenceModel model = Skipping(ReferenceModel.CreateRandom(config, seed: 11));
        ReferenceModel anchor = ReferenceModel.FromParameters(config, model.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 5, Lengths);

        Dictionary<string, double[]> truncated = model.Gradients(batch).Gradients;

        // Not the gradient of the undetached loss: the cut is real, and it holds ũ as well as s.
        Assert.NotEmpty(FiniteDifferences.Mismatches(model, () => model.StraightThroughLoss(batch, anchor.Parameters), truncated));
    }

    [Fact]
    public void The_estimator_is_not_the_derivative_of_the_rounded_loss()
    {
        ReferenceConfig config = Cases.Keys.Where(k => k.StartsWith("Lstm", StringComparison.Ordinal)).Select(k => Cases[k]).First();
        ReferenceModel model = Skipping(ReferenceModel.CreateRandom(config, seed: 11));
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 5, Lengths);

        Dictionary<string, double[]> gradients = model.Gradients(batch).Gradients;

        // The rounded loss is flat in ũ, so W_p moves it only through Δũ's own use; the estimator adds u's path.
        Assert.Contains(FiniteDifferences.Mismatches(model, batch, gradients), m => m.StartsWith("layer0.W_p", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ReferenceCellKind.Rnn)]
    [InlineData(ReferenceCellKind.Lstm)]
    [InlineData(ReferenceCellKind.Gru)]
    public void Adjoint_norms_equal_the_measured_state_adjoint_of_the_straight_through_loss(ReferenceCellKind cell)
    {
        var config = new ReferenceConfig { Cell = cell, HiddenSize = 2, FeatureCount = 3, SkipUpdates = true, SkipBudget = 0.03 };
        ReferenceModel model = Skipping(ReferenceModel.CreateRandom(config, seed: 21));
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 8, Lengths);
        AssertSkipsAndUpdates(model, batch);

        IReadOnlyList<ReferenceAdjointNorms> norms = model.Gradients(batch).AdjointNorms;

        for (int b = 0; b < batch.Length; b++)
        {
            for (int t = 0; t < batch[b].Length; t++)
            {
                double sumOfSquares = 0;
                for (int j = 0; j < config.SkipStateWidth; j++)
                {
                    double plus = model.StraightThroughLoss(batch, model.Parameters, new ReferenceStateOffset(b, t, j, FiniteDifferences.Step));
                    double minus = model.StraightThroughLoss(batch, model.Parameters, new ReferenceStateOffset(b, t, j, -FiniteDifferences.Step));
                    double component = batch.Length * (plus - minus) / (2 * FiniteDifferences.Step);
                    sumOfSquares += component * component;
                }

                Assert.True(FiniteDifferences.Close(Math.Sqrt(sumOfSquares), norms[b].Norms[t]),
                    $"sample {b} step {t}: reported {norms[b].Norms[t]:R}, measured {Math.Sqrt(sumOfSquares):R}");
            }
        }
    }

    [Theory]
    [InlineData(ReferenceCellKind.Rnn)]
    [InlineData(ReferenceCellKind.Lstm)]
    [InlineData(ReferenceCellKind.Gru)]
    public void A_skipped_step_copies_the_state_and_hands_its_adjoint_back_unchanged(ReferenceCellKind cell)
    {
        // W_p = 0: Δũ = σ(b_p) is a constant, so nothing reaches s_t through the gate and the state path alone remains.
        var config = new ReferenceConfig { Cell = cell, HiddenSize = 3, FeatureCount = 2, SkipUpdates = true };
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 3);
        Array.Clear(model.Parameters["layer0.W_p"]);
        model.Parameters["layer0.b_p"][0] = -1.1; // σ(−1.1) ≈ 0.25: an update every second to fourth step
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 2, 9);

        double[] updates = model.Updates(batch[0])[0][0];
        double[] norms = model.Gradients(batch).AdjointNorms[0].Norms;

        Assert.Equal([1, 0, 0, 1, 0, 0, 1, 0, 0], updates);
        for (int t = 1; t < updates.Length; t++)
        {
            if (updates[t] == 0)
            {
                Assert.Equal(norms[t], norms[t - 1]);
            }
            else
            {
                Assert.NotEqual(norms[t], norms[t - 1]);
            }
        }
    }

    [Theory]
    [InlineData(ReferenceCellKind.Rnn, false)]
    [InlineData(ReferenceCellKind.Lstm, true)]
    [InlineData(ReferenceCellKind.Gru, true)]
    public void A_gate_that_always_opens_is_the_plain_network_plus_the_budget(ReferenceCellKind cell, bool bidirectional)
    {
        var plain = new ReferenceConfig { Cell = cell, HiddenSize = 2, FeatureCount = 3, Layers = 2, Bidirectional = bidirectional };
        ReferenceConfig skipping = plain with { SkipUpdates = true, SkipBudget = 0.25 };
        ReferenceModel model = ReferenceModel.CreateRandom(skipping, seed: 4);
        foreach (string name in model.ParameterNames.Where(n => n.EndsWith("b_p", StringComparison.Ordinal)))
        {
            model.Parameters[name][0] = 40; // Δũ = 1 to double precision: every step updates
        }

        var same = ReferenceModel.FromParameters(plain, model.Parameters.Where(p => !p.Key.Contains("_p")).ToDictionary());
        ReferenceSample[] batch = ReferenceFixtures.Batch(plain, seed: 6, Lengths);
        double steps = Lengths.Sum() * plain.Layers * plain.Directions;

        Assert.Equal(same.Loss(batch) + 0.25 * steps / batch.Length, model.Loss(batch), 12);
    }

    /// <summary>b_p = −0.4 in every gate: Δũ near 0.4, so steps are skipped after most updates.</summary>
    private static ReferenceModel Skipping(ReferenceModel model)
    {
        foreach (string name in model.ParameterNames.Where(n => n.EndsWith("b_p", StringComparison.Ordinal)))
        {
            model.Parameters[name][0] = -0.4;
        }

        return model;
    }

    private static void AssertSkipsAndUpdates(ReferenceModel model, ReferenceSample[] batch)
    {
        var all = batch.SelectMany(sample => model.Updates(sample).SelectMany(layer => layer)
            .SelectMany(direction => direction.Take(sample.Length))).ToArray();
        Assert.Contains(0.0, all);
        Assert.True(all.Count(u => u == 1) > batch.Length, "some step after a first one updates");
    }

    /// <summary>
    /// Every cell under one-layer forward and two-layer bidirectional stacks, tokens and numeric input, all three
    /// heads, per-step heads, biases off, a dilated layer, and truncation (per sequence and in segments), with and
    /// without a budget.
    /// </summary>
    private static Dictionary<string, ReferenceConfig> BuildCases()
    {
        var cases = new Dictionary<string, ReferenceConfig>();
        foreach ((string cellName, ReferenceConfig cell) in Cells)
        {
            ReferenceConfig small = cell with
            {
                HiddenSize = 2,
                EmbeddingSize = 2,
                VocabularySize = 5,
                FeatureCount = 3,
                ClassCount = 3,
                SkipUpdates = true,
            };
            cases[$"{cellName} 1L fwd numeric binary budget"] = small with { Head = ReferenceHeadKind.Binary, SkipBudget = 0.05 };
            cases[$"{cellName} 2L bi tokens multiclass"] = small with
            {
                Layers = 2,
                Bidirectional = true,
                Input = ReferenceInputKind.Tokens,
                Head = ReferenceHeadKind.MultiClass,
            };
            cases[$"{cellName} per-step bi tokens multiclass budget"] = small with
            {
                Bidirectional = true,
                Input = ReferenceInputKind.Tokens,
                Head = ReferenceHeadKind.MultiClass,
                PerStep = true,
                SkipBudget = 0.05,
            };
            // ReLU without biases sits on its kink: a dead unit's 0 and a zero state make a pre-activation of
            // exactly 0, which a nudged update moves to either side (one-sided derivatives differ).
            bool noBias = cellName != "Rnn-relu";
            cases[$"{cellName} 2L regression {(noBias ? "no-bias " : "")}dilations 1,2 budget"] = small with
            {
                Layers = 2,
                Head = ReferenceHeadKind.Regression,
                UseBias = !noBias,
                Dilations = [1, 2],
                SkipBudget = 0.02,
            };
            cases[$"{cellName} 2L bi binary truncated k2=3 budget"] = small with
            {
                Layers = 2,
                Bidirectional = true,
                Head = ReferenceHeadKind.Binary,
                Truncation = 3,
                SkipBudget = 0.05,
            };
            cases[$"{cellName} per-step regression truncated k=2 budget"] = small with
            {
                Head = ReferenceHeadKind.Regression,
                PerStep = true,
                Truncation = 2,
                SkipBudget = 0.05,
            };
        }

        return cases;
    }
}
