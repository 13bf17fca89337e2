namespace Recurrent.Trainer.Tests.Reference;

/// <summary>Elman cell: h_t = f(W x_t + R h_{t-1} + bW + bR).</summary>
internal sealed class RnnReference(ReferenceActivation activation) : IReferenceCell
{
    public (double[] H, double[] C) Forward(DirectionWeights w, double[] x, double[] hPrev, double[] cPrev)
    {
        double[] pre = w.PreActivation(0, x, hPrev);
        return (ReferenceMath.Map(pre, F), cPrev);
    }

    public (double[] DhPrev, double[] DcPrev) Backward(
        DirectionWeights w, DirectionWeights gradient, double[] x, double[] hPrev, double[] cPrev, double[] dh, double[] dc, double[] dx)
    {
        double[] pre = w.PreActivation(0, x, hPrev);
        var dPre = new double[w.Hidden];
        for (int i = 0; i < w.Hidden; i++)
        {
            dPre[i] = dh[i] * FPrime(pre[i]);
        }

        var dhPrev = new double[w.Hidden];
        w.PreActivationBackward(gradient, 0, x, hPrev, dPre, dx, dhPrev);
        // c is not part of an Elman state: whatever reaches it goes nowhere.
        return (dhPrev, new double[w.Hidden]);
    }

    private double F(double a) => activation switch
    {
        ReferenceActivation.Tanh => Math.Tanh(a),
        ReferenceActivation.Relu => Math.Max(0, a),
        ReferenceActivation.Sigmoid => ReferenceMath.Sigmoid(a),
        _ => throw new InvalidOperationException($"Unknown activation {activation}."),
    };

    private double FPrime(double a)
    {
        switch (activation)
        {
            case ReferenceActivation.Tanh:
                double t = Math.Tanh(a);
                return 1 - t * t;
            case ReferenceActivation.Relu:
                // The kink at 0 takes the derivative 0, as max(0, a) does in the usual frameworks.
                return a > 0 ? 1 : 0;
            case ReferenceActivation.Sigmoid:
                double s = ReferenceMath.Sigmoid(a);
                return s * (1 - s);
            default:
                throw new InvalidOperationException($"Unknown activation {activation}.");
        }
    }
}
