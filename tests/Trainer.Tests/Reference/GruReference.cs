namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// GRU, gate blocks in ONNX order (z, r, h). linearBeforeReset chooses where r applies in the candidate n:
/// true: n = tanh(Wh x + bWh + r⊙(Rh h₋ + bRh)); false: n = tanh(Wh x + bWh + Rh (r⊙h₋) + bRh).
/// </summary>
internal sealed class GruReference(bool linearBeforeReset) : IReferenceCell
{
    private const int UpdateGate = 0;
    private const int ResetGate = 1;
    private const int CandidateBlock = 2;

    public (double[] H, double[] C) Forward(DirectionWeights w, double[] x, double[] hPrev, double[] cPrev)
    {
        Gates g = Compute(w, x, hPrev);
        return (g.H, cPrev);
    }

    public (double[] DhPrev, double[] DcPrev) Backward(
        DirectionWeights w, DirectionWeights gradient, double[] x, double[] hPrev, double[] cPrev, double[] dh, double[] dc, double[] dx)
    {
        Gates g = Compute(w, x, hPrev);
        int hidden = w.Hidden;
        var dhPrev = new double[hidden];
        var dPreZ = new double[hidden];
        var dPreN = new double[hidden];
        for (int k = 0; k < hidden; k++)
        {
            // h = (1 − z)·n + z·h₋
            double dN = dh[k] * (1 - g.Z[k]);
            double dZ = dh[k] * (hPrev[k] - g.N[k]);
            dhPrev[k] += dh[k] * g.Z[k];
            dPreZ[k] = dZ * g.Z[k] * (1 - g.Z[k]);
            dPreN[k] = dN * (1 - g.N[k] * g.N[k]);
        }

        w.InputPartBackward(gradient, CandidateBlock, x, dPreN, dx);
        var dR = new double[hidden];
        if (linearBeforeReset)
        {
            // pre_n = InputPart + r⊙m with m = Rh h₋ + bRh.
            var dM = new double[hidden];
            for (int k = 0; k < hidden; k++)
            {
                dR[k] = dPreN[k] * g.RecurrentCandidate[k];
                dM[k] = dPreN[k] * g.R[k];
            }

            w.RecurrentPartBackward(gradient, CandidateBlock, hPrev, dM, dhPrev);
        }
        else
        {
            // pre_n = InputPart + Rh·(r⊙h₋) + bRh.
            var dResetHidden = new double[hidden];
            w.RecurrentPartBackward(gradient, CandidateBlock, g.ResetHidden, dPreN, dResetHidden);
            for (int k = 0; k < hidden; k++)
            {
                dR[k] = dResetHidden[k] * hPrev[k];
                dhPrev[k] += dResetHidden[k] * g.R[k];
            }
        }

        var dPreR = new double[hidden];
        for (int k = 0; k < hidden; k++)
        {
            dPreR[k] = dR[k] * g.R[k] * (1 - g.R[k]);
        }

        w.PreActivationBackward(gradient, UpdateGate, x, hPrev, dPreZ, dx, dhPrev);
        w.PreActivationBackward(gradient, ResetGate, x, hPrev, dPreR, dx, dhPrev);
        return (dhPrev, new double[hidden]);
    }

    private Gates Compute(DirectionWeights w, double[] x, double[] hPrev)
    {
        double[] z = ReferenceMath.Sigmoid(w.PreActivation(UpdateGate, x, hPrev));
        double[] r = ReferenceMath.Sigmoid(w.PreActivation(ResetGate, x, hPrev));
        double[] resetHidden = ReferenceMath.Multiply(r, hPrev);
        double[] recurrentCandidate = linearBeforeReset
            ? w.RecurrentPart(CandidateBlock, hPrev)
            : w.RecurrentPart(CandidateBlock, resetHidden);
        double[] gatedRecurrent = linearBeforeReset
            ? ReferenceMath.Multiply(r, recurrentCandidate)
            : recurrentCandidate;
        double[] n = ReferenceMath.Tanh(ReferenceMath.Add(w.InputPart(CandidateBlock, x), gatedRecurrent));
        var h = new double[w.Hidden];
        for (int k = 0; k < w.Hidden; k++)
        {
            h[k] = (1 - z[k]) * n[k] + z[k] * hPrev[k];
        }

        return new Gates(z, r, n, resetHidden, recurrentCandidate, h);
    }

    // RecurrentCandidate is Rh h₋ + bRh (lbr) or Rh (r⊙h₋) + bRh (not lbr).
    private sealed record Gates(double[] Z, double[] R, double[] N, double[] ResetHidden, double[] RecurrentCandidate, double[] H);
}
