using System.Runtime.Intrinsics;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Kernels;

/// <summary>
/// The gate non-linearities σ and tanh over a dense sweep of floats against double precision: within two roundings of
/// the true values, the same bits from every width, NaN kept and infinities saturated.
/// </summary>
public class ActivationsTests
{
    // 2 ulps of a float's significand (2⁻²³ ≈ 1.19e-7 each): what both σ and tanh are proved to within below.
    private const double RelativeBound = 2.4e-7;

    // About 2.7 million floats from −40 to 40 (steps of 3e-5: every region of the range reduction, n from −58 to 58,
    // many times over), tiny and huge values, and multiples of 16 for the widest vector.
    private static float[] Arguments()
    {
        var values = new List<float>();
        for (var i = -1_333_333; i <= 1_333_333; i++)
            values.Add(i * 3.0e-5f);
        foreach (var v in new[] { 1e-30f, -1e-30f, 1e-40f, -1e-40f, 1e-8f, -3e-6f, 0.1733f, -0.1734f, 86.9f, -86.9f,
                     87.5f, -87.5f, 100f, -100f, 1e30f, -1e30f, float.MaxValue, float.MinValue, float.Epsilon })
            values.Add(v);
        while (values.Count % 16 != 0)
            values.Add(0.5f);
        return values.ToArray();
    }

    private delegate T Function<T>(T x);

    private static (float[] X, float[] Wide, float[] Narrow, float[] Scalar) Evaluate(Function<Vector512<float>> wide,
        Function<Vector256<float>> narrow, Function<float> scalar)
    {
        var x = Arguments();
        var (a, b, c) = (new float[x.Length], new float[x.Length], new float[x.Length]);
        for (var i = 0; i < x.Length; i += 16)
            wide(Vector512.Create(x, i)).CopyTo(a, i);
        for (var i = 0; i < x.Length; i += 8)
            narrow(Vector256.Create(x, i)).CopyTo(b, i);
        for (var i = 0; i < x.Length; i++)
            c[i] = scalar(x[i]);
        return (x, a, b, c);
    }

    [Fact]
    public void Sigmoid_is_within_two_ulps_of_the_true_value_above_minus_87_and_below_2e_minus_38_under_it()
    {
        var (x, wide, narrow, scalar) = Evaluate(Activations.Sigmoid<Vector512Ops, Vector512<float>>,
            Activations.Sigmoid<Vector256Ops, Vector256<float>>, Activations.Sigmoid<ScalarOps, float>);
        var worst = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            var expected = 1 / (1 + Math.Exp(-(double)x[i]));
            if (x[i] < -87)
            {
                Assert.InRange(narrow[i], 0f, 2e-38f);
                continue;
            }
            var error = Math.Abs(narrow[i] - expected) / expected;
            Assert.True(error <= RelativeBound, $"σ({x[i]:R}) = {narrow[i]:R}, expected {expected:R}");
            worst = Math.Max(worst, error);
        }
        // The sweep reaches the bound's neighbourhood, so the bound is a measurement, not a wide guess.
        Assert.InRange(worst, 1e-7, RelativeBound);
        Assert.Equal(1f, Activations.Sigmoid<ScalarOps, float>(100f));
        Assert.Equal(narrow, wide);
        Assert.Equal(narrow, scalar);
    }

    [Fact]
    public void Tanh_is_within_two_ulps_of_the_true_value_everywhere_even_near_zero()
    {
        var (x, wide, narrow, scalar) = Evaluate(Activations.Tanh<Vector512Ops, Vector512<float>>,
            Activations.Tanh<Vector256Ops, Vector256<float>>, Activations.Tanh<ScalarOps, float>);
        var worst = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            var expected = Math.Tanh(x[i]);
            if (expected == 0)
            {
                Assert.Equal(0f, narrow[i]);
                continue;
            }
            var error = Math.Abs(narrow[i] - expected) / Math.Abs(expected);
            Assert.True(error <= RelativeBound, $"tanh({x[i]:R}) = {narrow[i]:R}, expected {expected:R}");
            worst = Math.Max(worst, error);
        }
        Assert.InRange(worst, 1e-7, RelativeBound);
        Assert.Equal(1e-30f, Activations.Tanh<ScalarOps, float>(1e-30f));
        Assert.Equal(narrow, wide);
        Assert.Equal(narrow, scalar);
    }

    [Fact]
    public void Not_a_number_stays_not_a_number_and_infinities_saturate()
    {
        Assert.True(float.IsNaN(Activations.Tanh<Vector256Ops, Vector256<float>>(Vector256.Create(float.NaN)).ToScalar()));
        Assert.True(float.IsNaN(Activations.Sigmoid<Vector256Ops, Vector256<float>>(Vector256.Create(float.NaN)).ToScalar()));
        Assert.True(float.IsNaN(Activations.Tanh<Vector512Ops, Vector512<float>>(Vector512.Create(float.NaN)).ToScalar()));
        Assert.True(float.IsNaN(Activations.Sigmoid<Vector512Ops, Vector512<float>>(Vector512.Create(float.NaN)).ToScalar()));
        Assert.True(float.IsNaN(Activations.Tanh<ScalarOps, float>(float.NaN)));
        Assert.True(float.IsNaN(Activations.Sigmoid<ScalarOps, float>(float.NaN)));
        Assert.Equal(-1f, Activations.Tanh<Vector256Ops, Vector256<float>>(Vector256.Create(float.NegativeInfinity)).ToScalar());
        Assert.Equal(1f, Activations.Tanh<ScalarOps, float>(float.PositiveInfinity));
        Assert.Equal(1f, Activations.Sigmoid<Vector256Ops, Vector256<float>>(Vector256.Create(float.PositiveInfinity)).ToScalar());
        Assert.InRange(Activations.Sigmoid<ScalarOps, float>(float.NegativeInfinity), 0f, 2e-38f);
    }
}
