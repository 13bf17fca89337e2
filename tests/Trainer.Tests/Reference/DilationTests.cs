namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// Skip connections through time: layer l computes s_t = cell(x_t, s_{t−d_l}). The reference's gradients against
/// finite differences for every cell, with dilations that leave some interleaved sub-sequences shorter than others
/// (odd lengths), and the formula itself checked against an undilated network run over the sub-sequence.
/// </summary>
public sealed class DilationTests
{
    /// <summary>Odd lengths and a length-1 sequence: with d = 3 or 5 the residues get unequal sub-sequences.</summary>
    internal static readonly int[] OddLengths = [7, 3, 5, 1];

    private static readonly (string Name, ReferenceConfig Config)[] Cells =
    [
        ("Rnn-tanh", new() { Cell = ReferenceCellKind.Rnn, Activation = ReferenceActivation.Tanh }),
        ("Rnn-relu", new() { Cell = ReferenceCellKind.Rnn, Activation = ReferenceActivation.Relu }),
        ("Rnn-sigmoid", new() { Cell = ReferenceCellKind.Rnn, Activation = ReferenceActivation.Sigmoid }),
        ("Lstm", new() { Cell = ReferenceCellKind.Lstm }),
        ("Gru-lbr", new() { Cell = ReferenceCellKind.Gru, LinearBeforeReset = true }),
        ("Gru-no-lbr", new() { Cell = ReferenceCellKind.Gru, LinearBeforeReset = false }),
    ];

    private static readonly Dictionary<string, ReferenceConfig> Cases = BuildCases();

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Dilated_gradients_match_central_finite_differences(string caseName)
    {
        ReferenceConfig config = Cases[caseName];
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 11);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 5, OddLengths);

        ReferenceGradients result = model.Gradients(batch);

        Assert.True(double.IsFinite(result.Loss));
        Assert.Equal(model.Loss(batch), result.Loss, 12);
        Assert.Empty(FiniteDifferences.Mismatches(model, batch, result.Gradients));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Dilated_truncated_gradients_match_finite_differences_with_the_cut_states_held_constant(string caseName)
    {
        ReferenceConfig config = Cases[caseName] with { Truncation = 4 };
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 31);
        ReferenceModel frozen = ReferenceModel.FromParameters(config, model.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 4, OddLengths);

        Dictionary<string, double[]> truncated = model.Gradients(batch).Gradients;

        Assert.Equal(model.Loss(batch), model.LossWithDetachedStates(batch, frozen.Parameters), 12);
        Assert.Empty(FiniteDifferences.Mismatches(model, () => model.LossWithDetachedStates(batch, frozen.Parameters), truncated));
        Assert.NotEmpty(FiniteDifferences.Mismatches(model, batch, truncated));
    }

    [Theory]
    [InlineData(ReferenceCellKind.Rnn, 2)]
    [InlineData(ReferenceCellKind.Lstm, 3)]
    [InlineData(ReferenceCellKind.Gru, 5)]
    public void Dilated_norms_equal_the_length_of_the_measured_state_adjoint(ReferenceCellKind cell, int dilation)
    {
        var config = new ReferenceConfig
        {
            Cell = cell,
            Layers = 2,
            Bidirectional = true,
            Dilations = [dilation, 1],
            HiddenSize = 2,
            FeatureCount = 3,
        };
        ReferenceModel model = ReferenceModel.CreateRandom(config, seed: 21);
        ReferenceSample[] batch = ReferenceFixtures.Batch(config, seed: 8, OddLengths);
        int stateWidth = cell == ReferenceCellKind.Lstm ? 2 * config.HiddenSize : config.HiddenSize;

        IReadOnlyList<ReferenceAdjointNorms> norms = model.Gradients(batch).AdjointNorms;

        for (int b = 0; b < batch.Length; b++)
        {
            for (int t = 0; t < batch[b].Length; t++)
            {
                double sumOfSquares = 0;
                for (int j = 0; j < stateWidth; j++)
                {
                    double component = batch.Length * FiniteDifferences.StateDerivative(model, batch, b, t, j);
                    sumOfSquares += component * component;
                }

                double measured = Math.Sqrt(sumOfSquares);
                Assert.True(
                    FiniteDifferences.Close(measured, norms[b].Norms[t]),
                    $"sample {b} step {t}: reported {norms[b].Norms[t]:R}, measured {measured:R}");
            }
        }
    }

    /// <summary>
    /// A one-layer forward network of dilation d reads sequence b only at its last step's residue: its loss is the
    /// undilated network's loss on x_k, x_{k+d}, …, x_{T−1} with k = (T − 1) mod d. The two share no code path.
    /// </summary>
    [Theory]
    [InlineData(ReferenceCellKind.Rnn, 2)]
    [InlineData(ReferenceCellKind.Lstm, 3)]
    [InlineData(ReferenceCellKind.Gru, 4)]
    public void One_dilated_layer_equals_a_plain_layer_over_every_dth_step(ReferenceCellKind cell, int dilation)
    {
        var plain = new ReferenceConfig { Cell = cell, HiddenSize = 3, FeatureCount = 2 };
        ReferenceModel plainModel = ReferenceModel.CreateRandom(plain, seed: 7);
        ReferenceModel dilated = ReferenceModel.FromParameters(plain with { Dilations = [dilation] }, plainModel.Parameters);

        foreach (ReferenceSample sample in ReferenceFixtures.Batch(plain, seed: 3, OddLengths))
        {
            int last = sample.Length - 1;
            double[][] every = Enumerable.Range(0, sample.Length).Where(t => t % dilation == last % dilation)
                .Select(t => sample.Steps![t]).ToArray();
            ReferenceSample subsequence = sample with { Steps = every, ValidLength = null };

            Assert.Equal(plainModel.Loss([subsequence]), dilated.Loss([sample]), 12);
            if (sample.Length > dilation)
            {
                Assert.NotEqual(plainModel.Loss([sample]), dilated.Loss([sample]), 6);
            }
        }
    }

    [Fact]
    public void Dilations_of_one_are_the_plain_network()
    {
        ReferenceConfig plain = Cases.Values.First(c => c.Cell == ReferenceCellKind.Lstm && c.Layers == 2 && c.Bidirectional);
        ReferenceModel model = ReferenceModel.CreateRandom(plain with { Dilations = null }, seed: 3);
        ReferenceModel ones = ReferenceModel.FromParameters(plain with { Dilations = [1, 1] }, model.Parameters);
        ReferenceSample[] batch = ReferenceFixtures.Batch(plain, seed: 9, OddLengths);

        ReferenceGradients expected = model.Gradients(batch);
        ReferenceGradients actual = ones.Gradients(batch);

        Assert.Equal(expected.Loss, actual.Loss);
        foreach (string name in model.ParameterNames)
        {
            Assert.Equal(expected.Gradients[name], actual.Gradients[name]);
        }
    }

    /// <summary>Every cell, one layer forward with d = 3 and two layers bidirectional with [1, 3] and [2, 5].</summary>
    private static Dictionary<string, ReferenceConfig> BuildCases()
    {
        (int[] Dilations, bool Bidirectional, ReferenceInputKind Input, ReferenceHeadKind Head)[] shapes =
        [
            ([3], false, ReferenceInputKind.Numeric, ReferenceHeadKind.Binary),
            ([1, 3], true, ReferenceInputKind.Tokens, ReferenceHeadKind.MultiClass),
            ([2, 5], true, ReferenceInputKind.Numeric, ReferenceHeadKind.Regression),
        ];
        var cases = new Dictionary<string, ReferenceConfig>();
        foreach ((string cellName, ReferenceConfig cell) in Cells)
        {
            foreach (var shape in shapes)
            {
                string name = $"{cellName} d=[{string.Join(',', shape.Dilations)}] {(shape.Bidirectional ? "bi" : "fwd")} {shape.Input} {shape.Head}";
                cases[name] = cell with
                {
                    HiddenSize = 2,
                    Layers = shape.Dilations.Length,
                    Dilations = shape.Dilations,
                    Bidirectional = shape.Bidirectional,
                    Input = shape.Input,
                    EmbeddingSize = 2,
                    VocabularySize = 5,
                    FeatureCount = 3,
                    Head = shape.Head,
                    ClassCount = 3,
                };
            }
        }

        return cases;
    }
}
