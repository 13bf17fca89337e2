namespace Recurrent.Trainer.Tests.Reference;

/// <summary>The reference's contract surface: names, shapes, loading, padding and batching.</summary>
public sealed class ReferenceModelTests
{
    private static readonly ReferenceConfig TokenLstm = new()
    {
        Cell = ReferenceCellKind.Lstm,
        HiddenSize = 2,
        Layers = 2,
        Bidirectional = true,
        Input = ReferenceInputKind.Tokens,
        EmbeddingSize = 3,
        VocabularySize = 6,
        Head = ReferenceHeadKind.MultiClass,
        ClassCount = 4,
    };

    [Fact]
    public void Layout_has_the_contract_names_and_shapes()
    {
        string[] expected =
        [
            "embedding [6, 3]",
            "layer0.W_xh [8, 3]", "layer0.W_hh [8, 2]", "layer0.b_xh [8]", "layer0.b_hh [8]",
            "layer0_reverse.W_xh [8, 3]", "layer0_reverse.W_hh [8, 2]", "layer0_reverse.b_xh [8]", "layer0_reverse.b_hh [8]",
            "layer1.W_xh [8, 4]", "layer1.W_hh [8, 2]", "layer1.b_xh [8]", "layer1.b_hh [8]",
            "layer1_reverse.W_xh [8, 4]", "layer1_reverse.W_hh [8, 2]", "layer1_reverse.b_xh [8]", "layer1_reverse.b_hh [8]",
            "head.W [4, 4]", "head.b [4]",
        ];

        var actual = ReferenceParameterLayout.For(TokenLstm).Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]");

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Layout_without_bias_or_embedding_has_only_the_weights()
    {
        var config = new ReferenceConfig { Cell = ReferenceCellKind.Gru, HiddenSize = 3, FeatureCount = 5, UseBias = false, Head = ReferenceHeadKind.Regression };

        var actual = ReferenceParameterLayout.For(config).Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]");

        Assert.Equal(["layer0.W_xh [9, 5]", "layer0.W_hh [9, 3]", "head.W [1, 3]"], actual);
    }

    [Fact]
    public void Random_parameters_are_fixed_by_the_seed_and_centered()
    {
        ReferenceModel first = ReferenceModel.CreateRandom(TokenLstm, seed: 42);
        ReferenceModel again = ReferenceModel.CreateRandom(TokenLstm, seed: 42);
        ReferenceModel other = ReferenceModel.CreateRandom(TokenLstm, seed: 43);

        double[] all = [.. first.ParameterNames.SelectMany(n => first.Parameters[n])];
        Assert.Equal(first.Parameters["layer1.W_hh"], again.Parameters["layer1.W_hh"]);
        Assert.NotEqual(first.Parameters["layer1.W_hh"], other.Parameters["layer1.W_hh"]);
        Assert.All(all, v => Assert.InRange(v, -0.5, 0.5));
        Assert.InRange(all.Average(), -0.1, 0.1);
    }

    [Fact]
    public void Float_parameters_load_and_give_the_same_loss()
    {
        ReferenceModel model = ReferenceModel.CreateRandom(TokenLstm, seed: 1);
        var floats = model.Parameters.ToDictionary(p => p.Key, p => p.Value.Select(v => (float)v).ToArray());
        ReferenceSample[] batch = ReferenceFixtures.Batch(TokenLstm, seed: 2, ReferenceFixtures.MixedLengths);

        ReferenceModel loaded = ReferenceModel.FromParameters(TokenLstm, floats);

        Assert.Equal((double)floats["head.W"][5], loaded.Parameters["head.W"][5]);
        Assert.Equal(model.Loss(batch), loaded.Loss(batch), 5);
    }

    [Fact]
    public void Loading_rejects_missing_extra_and_missized_parameters()
    {
        Dictionary<string, float[]> Good() => ReferenceModel.CreateRandom(TokenLstm, seed: 1).Parameters
            .ToDictionary(p => p.Key, p => p.Value.Select(v => (float)v).ToArray());

        var missing = Good();
        missing.Remove("layer1_reverse.b_hh");
        var extra = Good();
        extra["layer2.W_xh"] = new float[3];
        var missized = Good();
        missized["layer0.W_hh"] = new float[15];

        Assert.Contains("layer1_reverse.b_hh", Assert.Throws<ArgumentException>(() => ReferenceModel.FromParameters(TokenLstm, missing)).Message);
        Assert.Contains("layer2.W_xh", Assert.Throws<ArgumentException>(() => ReferenceModel.FromParameters(TokenLstm, extra)).Message);
        Assert.Contains("layer0.W_hh", Assert.Throws<ArgumentException>(() => ReferenceModel.FromParameters(TokenLstm, missized)).Message);
    }

    [Fact]
    public void Padding_changes_nothing()
    {
        ReferenceModel model = ReferenceModel.CreateRandom(TokenLstm, seed: 1);
        ReferenceSample exact = ReferenceSample.FromTokens([3, 1, 5], classIndex: 2);
        ReferenceSample padded = ReferenceSample.FromTokens([3, 1, 5, 0, 0, 0], classIndex: 2, length: 3);
        ReferenceSample paddedWithTokens = ReferenceSample.FromTokens([3, 1, 5, 4, 2], classIndex: 2, length: 3);

        ReferenceGradients expected = model.Gradients([exact]);

        foreach (ReferenceSample sample in new[] { padded, paddedWithTokens })
        {
            ReferenceGradients actual = model.Gradients([sample]);
            Assert.Equal(expected.Loss, actual.Loss);
            Assert.All(model.ParameterNames, name => Assert.Equal(expected.Gradients[name], actual.Gradients[name]));
            Assert.Equal(expected.AdjointNorms[0].Norms, actual.AdjointNorms[0].Norms);
        }
    }

    [Fact]
    public void Batch_loss_and_gradient_are_the_means_of_the_samples()
    {
        ReferenceModel model = ReferenceModel.CreateRandom(TokenLstm, seed: 1);
        ReferenceSample[] batch = ReferenceFixtures.Batch(TokenLstm, seed: 2, ReferenceFixtures.MixedLengths);

        ReferenceGradients whole = model.Gradients(batch);
        ReferenceGradients[] single = [.. batch.Select(s => model.Gradients([s]))];

        Assert.Equal(single.Average(s => s.Loss), whole.Loss, 12);
        double[] expected = [.. Enumerable.Range(0, 8).Select(i => single.Average(s => s.Gradients["layer1.b_xh"][i]))];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], whole.Gradients["layer1.b_xh"][i], 12);
        }

        // Norms are of each sample's own loss, so the batch does not scale them.
        Assert.All(Enumerable.Range(0, batch.Length), b => Assert.Equal(single[b].AdjointNorms[0].Norms, whole.AdjointNorms[b].Norms));
    }

    [Fact]
    public void The_padding_embedding_row_gets_no_gradient()
    {
        ReferenceModel model = ReferenceModel.CreateRandom(TokenLstm, seed: 1);
        ReferenceSample[] batch = ReferenceFixtures.Batch(TokenLstm, seed: 2, ReferenceFixtures.MixedLengths);

        double[] dEmbedding = model.Gradients(batch).Gradients["embedding"];

        Assert.Equal(new double[3], dEmbedding[..3]);
        Assert.Contains(dEmbedding[3..], v => v != 0);
    }

    [Fact]
    public void Samples_outside_the_contract_are_rejected()
    {
        ReferenceModel model = ReferenceModel.CreateRandom(TokenLstm, seed: 1);

        Assert.Throws<ArgumentException>(() => model.Loss([ReferenceSample.FromTokens([2, 0, 3])]));
        Assert.Throws<ArgumentException>(() => model.Loss([ReferenceSample.FromTokens([2, 6])]));
        Assert.Throws<ArgumentException>(() => model.Loss([ReferenceSample.FromTokens([2, 3], classIndex: 4)]));
        Assert.Throws<ArgumentException>(() => model.Loss([ReferenceSample.FromTokens([], classIndex: 1)]));
        Assert.Throws<ArgumentException>(() => model.Loss([]));
    }

    [Fact]
    public void Losses_stay_finite_for_huge_logits()
    {
        var config = new ReferenceConfig { HiddenSize = 1, FeatureCount = 1 };
        ReferenceModel model = ReferenceModel.FromParameters(config, new Dictionary<string, double[]>
        {
            ["layer0.W_xh"] = [1],
            ["layer0.W_hh"] = [0],
            ["layer0.b_xh"] = [0],
            ["layer0.b_hh"] = [0],
            ["head.W"] = [1000],
            ["head.b"] = [0],
        });
        ReferenceSample wrong = ReferenceSample.FromSteps([[5.0]], classIndex: 0);

        ReferenceGradients result = model.Gradients([wrong]);

        // z = 1000·tanh(5): log(1 − σ(z)) underflows if taken literally; the loss is z itself.
        Assert.Equal(1000 * Math.Tanh(5), result.Loss, 9);
        Assert.Equal(Math.Tanh(5), result.Gradients["head.W"][0], 12);
    }
}
