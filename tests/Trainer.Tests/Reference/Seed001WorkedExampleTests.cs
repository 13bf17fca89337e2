namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// Seed 001's many-to-one example: o_t = tanh(x_t·w_i + o_{t−1}·w_h), ŷ = σ(o_3·w_o), binary cross-entropy,
/// no biases, hidden size 1, one-hot words of width 3 (cat, mat, rat) and T = 3. Its gradients are the explicit
/// sums over time written in the seed, typed out here term by term.
/// </summary>
public sealed class Seed001WorkedExampleTests
{
    private static readonly double[] W_i = [0.4, -0.7, 0.25];
    private const double W_h = 0.9;
    private const double W_o = -1.3;

    private static readonly ReferenceConfig Config = new()
    {
        Cell = ReferenceCellKind.Rnn,
        Activation = ReferenceActivation.Tanh,
        HiddenSize = 1,
        UseBias = false,
        Input = ReferenceInputKind.Numeric,
        FeatureCount = 3,
        Head = ReferenceHeadKind.Binary,
    };

    private static readonly double[] Cat = [1, 0, 0];
    private static readonly double[] Mat = [0, 1, 0];
    private static readonly double[] Rat = [0, 0, 1];

    /// <summary>The seed's table: "cat mat rat" → 1, "rat rat mat" → 1, "mat mat cat" → 0.</summary>
    private static readonly ReferenceSample[] Table =
    [
        ReferenceSample.FromSteps([Cat, Mat, Rat], classIndex: 1),
        ReferenceSample.FromSteps([Rat, Rat, Mat], classIndex: 1),
        ReferenceSample.FromSteps([Mat, Mat, Cat], classIndex: 0),
    ];

    public static TheoryData<int> Rows => [0, 1, 2];

    [Theory]
    [MemberData(nameof(Rows))]
    public void Each_row_matches_the_seeds_sums_over_time(int row)
    {
        (double loss, double[] dW_i, double dW_h, double dW_o) = ByHand(Table[row]);

        ReferenceGradients result = SeedModel().Gradients([Table[row]]);

        AssertClose(loss, result.Loss);
        AssertClose(dW_i, result.Gradients["layer0.W_xh"]);
        AssertClose([dW_h], result.Gradients["layer0.W_hh"]);
        AssertClose([dW_o], result.Gradients["head.W"]);
    }

    [Fact]
    public void The_whole_table_is_the_mean_of_its_rows()
    {
        var rows = Table.Select(ByHand).ToArray();

        ReferenceGradients result = SeedModel().Gradients(Table);

        AssertClose(rows.Average(r => r.Loss), result.Loss);
        AssertClose([.. Enumerable.Range(0, 3).Select(j => rows.Average(r => r.DW_i[j]))], result.Gradients["layer0.W_xh"]);
        AssertClose([rows.Average(r => r.DW_h)], result.Gradients["layer0.W_hh"]);
        AssertClose([rows.Average(r => r.DW_o)], result.Gradients["head.W"]);
    }

    private static ReferenceModel SeedModel() => ReferenceModel.FromParameters(Config, new Dictionary<string, double[]>
    {
        ["layer0.W_xh"] = W_i,
        ["layer0.W_hh"] = [W_h],
        ["head.W"] = [W_o],
    });

    /// <summary>
    /// ∂L/∂w_i = ∂L/∂ŷ·∂ŷ/∂o_3·[∂o_3/∂w_i + ∂o_3/∂o_2·∂o_2/∂w_i + ∂o_3/∂o_2·∂o_2/∂o_1·∂o_1/∂w_i], likewise w_h, where
    /// ∂o_t/∂o_{t−1} = tanh'(a_t)·w_h and the direct terms are tanh'(a_t)·x_t and tanh'(a_t)·o_{t−1}.
    /// </summary>
    private static (double Loss, double[] DW_i, double DW_h, double DW_o) ByHand(ReferenceSample sample)
    {
        double[] x1 = sample.Steps![0], x2 = sample.Steps[1], x3 = sample.Steps[2];
        double y = sample.ClassIndex;
        const double o0 = 0;
        double o1 = Math.Tanh(Dot(x1, W_i) + o0 * W_h);
        double o2 = Math.Tanh(Dot(x2, W_i) + o1 * W_h);
        double o3 = Math.Tanh(Dot(x3, W_i) + o2 * W_h);
        double yHat = 1 / (1 + Math.Exp(-o3 * W_o));
        double loss = -y * Math.Log(yHat) - (1 - y) * Math.Log(1 - yHat);

        // ∂L/∂ŷ·∂ŷ/∂o_3 = ((ŷ − y) / (ŷ(1 − ŷ)))·ŷ(1 − ŷ)·w_o.
        double dL_do3 = (yHat - y) * W_o;
        double d1 = 1 - o1 * o1, d2 = 1 - o2 * o2, d3 = 1 - o3 * o3;
        double do3_do2 = d3 * W_h, do2_do1 = d2 * W_h;

        var dW_i = new double[3];
        for (int j = 0; j < 3; j++)
        {
            dW_i[j] = dL_do3 * (d3 * x3[j])
                + dL_do3 * do3_do2 * (d2 * x2[j])
                + dL_do3 * do3_do2 * do2_do1 * (d1 * x1[j]);
        }

        double dW_h = dL_do3 * (d3 * o2)
            + dL_do3 * do3_do2 * (d2 * o1)
            + dL_do3 * do3_do2 * do2_do1 * (d1 * o0);
        double dW_o = (yHat - y) * o3;
        return (loss, dW_i, dW_h, dW_o);
    }

    private static double Dot(double[] a, double[] b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

    private static void AssertClose(double expected, double actual) => AssertClose([expected], [actual]);

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
