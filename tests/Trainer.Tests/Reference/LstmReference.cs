namespace Recurrent.Trainer.Tests.Reference;

/// <summary>LSTM without peepholes, gate blocks in ONNX order (i, o, f, c).</summary>
internal sealed class LstmReference : IReferenceCell
{
    private const int InputGate = 0;
    private const int OutputGate = 1;
    private const int ForgetGate = 2;
    private const int CellGate = 3;

    public (double[] H, double[] C) Forward(DirectionWeights w, double[] x, double[] hPrev, double[] cPrev)
    {
        Gates g = Compute(w, x, hPrev, cPrev);
        return (g.H, g.C);
    }

    public (double[] DhPrev, double[] DcPrev) Backward(
        DirectionWeights w, DirectionWeights gradient, double[] x, double[] hPrev, double[] cPrev, double[] dh, double[] dc, double[] dx)
    {
        Gates g = Compute(w, x, hPrev, cPrev);
        int hidden = w.Hidden;
        var dPreI = new double[hidden];
        var dPreO = new double[hidden];
        var dPreF = new double[hidden];
        var dPreC = new double[hidden];
        var dcPrev = new double[hidden];
        for (int k = 0; k < hidden; k++)
        {
            // c_t reaches the loss through the next step (dc) and through h_t = o·tanh(c_t).
            double dcTotal = dc[k] + dh[k] * g.O[k] * (1 - g.TanhC[k] * g.TanhC[k]);
            double dO = dh[k] * g.TanhC[k];
            double dI = dcTotal * g.Candidate[k];
            double dF = dcTotal * cPrev[k];
            double dCandidate = dcTotal * g.I[k];
            dcPrev[k] = dcTotal * g.F[k];

            dPreI[k] = dI * g.I[k] * (1 - g.I[k]);
            dPreO[k] = dO * g.O[k] * (1 - g.O[k]);
            dPreF[k] = dF * g.F[k] * (1 - g.F[k]);
            dPreC[k] = dCandidate * (1 - g.Candidate[k] * g.Candidate[k]);
        }

        var dhPrev = new double[hidden];
        w.PreActivationBackward(gradient, InputGate, x, hPrev, dPreI, dx, dhPrev);
        w.PreActivationBackward(gradient, OutputGate, x, hPrev, dPreO, dx, dhPrev);
        w.PreActivationBackward(gradient, ForgetGate, x, hPrev, dPreF, dx, dhPrev);
        w.PreActivationBackward(gradient, CellGate, x, hPrev, dPreC, dx, dhPrev);
        return (dhPrev, dcPrev);
    }

    private static Gates Compute(DirectionWeights w, double[] x, double[] hPrev, double[] cPrev)
    {
        double[] i = ReferenceMath.Sigmoid(w.PreActivation(InputGate, x, hPrev));
        double[] o = ReferenceMath.Sigmoid(w.PreActivation(OutputGate, x, hPrev));
        double[] f = ReferenceMath.Sigmoid(w.PreActivation(ForgetGate, x, hPrev));
        double[] candidate = ReferenceMath.Tanh(w.PreActivation(CellGate, x, hPrev));
        double[] c = ReferenceMath.Add(ReferenceMath.Multiply(f, cPrev), ReferenceMath.Multiply(i, candidate));
        double[] tanhC = ReferenceMath.Tanh(c);
        double[] h = ReferenceMath.Multiply(o, tanhC);
        return new Gates(i, o, f, candidate, c, tanhC, h);
    }

    private sealed record Gates(double[] I, double[] O, double[] F, double[] Candidate, double[] C, double[] TanhC, double[] H);
}
