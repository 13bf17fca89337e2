using System.Runtime.Intrinsics;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Kernels;

/// <summary>The gate non-linearities against double-precision ones, and the same bits from every width.</summary>
public class ActivationsTests
{
    // Every float from −40 to 40 in steps of about 1e-3, plus tiny, huge and special values.
    private static float[] Arguments()
    {
        var values = new List<float>();
        for (var i = -40_000; i <= 40_000; i++)
            values.Add(i * 1.0007e-3f);
        foreach (var v in new[] { 1e-30f, -1e-30f, 1e-8f, -3e-6f, 0.1249f, 0.1251f, 87f, 88.5f, 100f, -100f, 1e30f,
                     -1e30f, float.MaxValue, float.MinValue, float.Epsilon })
            values.Add(v);
        while (values.Count % 16 != 0)
            values.Add(0.5f);
        return values.ToArray();
    }

    private delegate T Function<T>(T x);

    // Runs the function in 512-bit, 256-bit and scalar form over the arguments.
    private static (float[] Wide, float[] Narrow, float[] Scalar) Evaluate(Function<Vector512<float>> wide,
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
        return (a, b, c);
    }

    [Fact]
    public void Tanh_is_within_four_ulps_of_the_true_value_and_exact_near_zero()
    {
        var (wide, narrow, scalar) = Evaluate(Activations.Tanh<Vector512Ops, Vector512<float>>,
            Activations.Tanh<Vector256Ops, Vector256<float>>, Activations.Tanh<ScalarOps, float>);
        var x = Arguments();
        for (var i = 0; i < x.Length; i++)
        {
            var expected = Math.Tanh(x[i]);
            var tolerance = 4 * Math.Max(Math.Abs(expected), float.Epsilon) * 5.96e-8;
            Assert.True(Math.Abs(wide[i] - expected) <= tolerance, $"tanh({x[i]:R}) = {wide[i]:R}, expected {expected:R}");
        }
        Assert.Equal(wide, narrow);
        Assert.Equal(wide, scalar);
    }

    [Fact]
    public void Sigmoid_is_within_four_ulps_of_the_true_value_and_saturates()
    {
        var (wide, narrow, scalar) = Evaluate(Activations.Sigmoid<Vector512Ops, Vector512<float>>,
            Activations.Sigmoid<Vector256Ops, Vector256<float>>, Activations.Sigmoid<ScalarOps, float>);
        var x = Arguments();
        for (var i = 0; i < x.Length; i++)
        {
            var expected = 1 / (1 + Math.Exp(-(double)x[i]));
            // Below e^-87 the true value is denormal or zero; the result need only be as small.
            var tolerance = Math.Max(4 * expected * 5.96e-8, 1e-37);
            Assert.True(Math.Abs(wide[i] - expected) <= tolerance, $"σ({x[i]:R}) = {wide[i]:R}, expected {expected:R}");
        }
        Assert.Equal(1f, Activations.Sigmoid<ScalarOps, float>(100f));
        Assert.InRange(Activations.Sigmoid<ScalarOps, float>(-1e30f), 0f, 1e-37f);
        Assert.Equal(wide, narrow);
        Assert.Equal(wide, scalar);
    }

    [Fact]
    public void Not_a_number_stays_not_a_number_and_infinities_saturate()
    {
        Assert.True(float.IsNaN(Activations.Tanh<Vector512Ops, Vector512<float>>(Vector512.Create(float.NaN)).ToScalar()));
        Assert.True(float.IsNaN(Activations.Sigmoid<Vector512Ops, Vector512<float>>(Vector512.Create(float.NaN)).ToScalar()));
        Assert.True(float.IsNaN(Activations.Tanh<ScalarOps, float>(float.NaN)));
        Assert.True(float.IsNaN(Activations.Sigmoid<Vector256Ops, Vector256<float>>(Vector256.Create(float.NaN)).ToScalar()));
        Assert.Equal(-1f, Activations.Tanh<ScalarOps, float>(float.NegativeInfinity));
        Assert.Equal(1f, Activations.Tanh<Vector512Ops, Vector512<float>>(Vector512.Create(float.PositiveInfinity)).ToScalar());
        Assert.Equal(1f, Activations.Sigmoid<ScalarOps, float>(float.PositiveInfinity));
        Assert.InRange(Activations.Sigmoid<ScalarOps, float>(float.NegativeInfinity), 0f, 1e-37f);
    }
}
