namespace Recurrent.Trainer.Tests.Reference;

/// <summary>Analytic gradients of every parameter against central finite differences, over the whole config space.</summary>
public sealed class GradientFiniteDifferenceTests
{
    private static readonly Dictionary<string, ReferenceConfig> Cases = BuildCases();

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Gradients_match_central_finite_differences(string caseName)
    {
        ReferenceConfig config = Cases[caseName];
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 11);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 5, ReferenceFixtures.MixedLengths);

        ReferenceGradients result = model.Gradients(batch);

        Assert.Equal(model.Loss(batch), result.Loss, 12);
        Assert.True(double.IsFinite(result.Loss));
        Assert.Empty(FiniteDifferences.Mismatches(model, batch, result.Gradients));
    }

    [Fact]
    public void The_check_reports_a_gradient_that_is_off_by_a_little()
    {
        ReferenceConfig config = Cases.Values.First(c => c.Cell == ReferenceCellKind.Lstm);
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 11);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 5, ReferenceFixtures.MixedLengths);
        Dictionary<string, double[]> gradients = model.Gradients(batch).Gradients;

        gradients["layer0.W_hh"][3] += 1e-5;

        string mismatch = Assert.Single(FiniteDifferences.Mismatches(model, batch, gradients));
        Assert.StartsWith("layer0.W_hh[3]", mismatch);
    }

    [Fact]
    public void Gru_variants_are_told_apart_by_the_check()
    {
        ReferenceConfig linearBeforeReset = Cases.Values.First(c => c.Cell == ReferenceCellKind.Gru && c.Layers == 2);
        ReferenceConfig resetBeforeLinear = linearBeforeReset with { LinearBeforeReset = false };
        ReferenceModel model = ReferenceModel.CreateRandom(linearBeforeReset, seed: 11);
        ReferenceModel other = ReferenceModel.FromParameters(resetBeforeLinear, model.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(linearBeforeReset, seed: 5, ReferenceFixtures.MixedLengths);

        Assert.NotEqual(model.Loss(batch), other.Loss(batch));
        Assert.NotEmpty(FiniteDifferences.Mismatches(other, batch, model.Gradients(batch).Gradients));
    }

    /// <summary>
    /// Each cell variant under six shapes that together cover 1 and 2 layers, forward and bidirectional, tokens and
    /// numeric input, all three heads, and bias on and off, and as per-step heads under four of them; every batch
    /// mixes valid lengths 3, 1 and 4.
    /// </summary>
    private static Dictionary<string, ReferenceConfig> BuildCases()
    {
        (string Name, ReferenceConfig Config)[] cells =
        [
            ("Rnn-tanh", new() { Cell = ReferenceCellKind.Rnn, Activation = ReferenceActivation.Tanh }),
            ("Rnn-relu", new() { Cell = ReferenceCellKind.Rnn, Activation = ReferenceActivation.Relu }),
            ("Rnn-sigmoid", new() { Cell = ReferenceCellKind.Rnn, Activation = ReferenceActivation.Sigmoid }),
            ("Lstm", new() { Cell = ReferenceCellKind.Lstm }),
            ("Gru-lbr", new() { Cell = ReferenceCellKind.Gru, LinearBeforeReset = true }),
            ("Gru-no-lbr", new() { Cell = ReferenceCellKind.Gru, LinearBeforeReset = false }),
        ];
        (int Layers, bool Bidirectional, ReferenceInputKind Input, ReferenceHeadKind Head, bool Bias)[] shapes =
        [
            (1, false, ReferenceInputKind.Numeric, ReferenceHeadKind.Binary, true),
            (1, true, ReferenceInputKind.Tokens, ReferenceHeadKind.MultiClass, true),
            (2, false, ReferenceInputKind.Tokens, ReferenceHeadKind.Regression, false),
            (2, true, ReferenceInputKind.Numeric, ReferenceHeadKind.MultiClass, false),
            (2, true, ReferenceInputKind.Tokens, ReferenceHeadKind.Binary, true),
            (1, false, ReferenceInputKind.Numeric, ReferenceHeadKind.Regression, false),
        ];

        var cases = new Dictionary<string, ReferenceConfig>();
        foreach ((string cellName, ReferenceConfig cell) in cells)
        {
            foreach (var shape in shapes)
            {
                string name = $"{cellName} {shape.Layers}L {(shape.Bidirectional ? "bi" : "fwd")} {shape.Input} {shape.Head} {(shape.Bias ? "bias" : "no-bias")}";
                cases[name] = cell with
                {
                    HiddenSize = 2,
                    Layers = shape.Layers,
                    Bidirectional = shape.Bidirectional,
                    Input = shape.Input,
                    EmbeddingSize = 2,
                    VocabularySize = 5,
                    FeatureCount = 3,
                    Head = shape.Head,
                    ClassCount = 3,
                    UseBias = shape.Bias,
                };
            }

            // Per-step heads: every labelled step's loss, some steps without a label, through both directions.
            foreach (var shape in new[] { shapes[0], shapes[1], shapes[2], shapes[3] })
            {
                string name = $"{cellName} per-step {shape.Layers}L {(shape.Bidirectional ? "bi" : "fwd")} {shape.Input} {shape.Head} {(shape.Bias ? "bias" : "no-bias")}";
                cases[name] = cell with
                {
                    HiddenSize = 2,
                    Layers = shape.Layers,
                    Bidirectional = shape.Bidirectional,
                    Input = shape.Input,
                    EmbeddingSize = 2,
                    VocabularySize = 5,
                    FeatureCount = 3,
                    Head = shape.Head,
                    ClassCount = 3,
                    UseBias = shape.Bias,
                    PerStep = true,
                };
            }
        }

        return cases;
    }
}
