namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// The skip gates of <see cref="ReferenceConfig.SkipUpdates"/>, written from Campos et al.'s equations:
/// u_t = round(ũ_t), s_t = u_t·S(s_{t−1}, x_t) + (1 − u_t)·s_{t−1}, Δũ_t = σ(W_p s_t + b_p),
/// ũ_{t+1} = u_t·Δũ_t + (1 − u_t)·(ũ_t + min(Δũ_t, 1 − ũ_t)), ũ = 1 where a direction starts. The backward pass
/// is the exact derivative of that graph with round's derivative taken as 1; min's goes to Δũ when Δũ ≤ 1 − ũ.
/// </summary>
internal sealed partial class ReferenceNetwork
{
    /// <summary>λ·Σ u_t over every layer, direction and step of one sample.</summary>
    private double Budget(DirectionTrace[][] layers, int length)
    {
        if (!config.SkipUpdates)
        {
            return 0;
        }

        double updates = 0;
        foreach (DirectionTrace[] layer in layers)
        {
            foreach (DirectionTrace trace in layer)
            {
                for (int t = 0; t < length; t++)
                {
                    updates += trace.U[t];
                }
            }
        }

        return config.SkipBudget * updates;
    }

    /// <summary>
    /// One direction with its update gate. With <paramref name="rounding"/>, u_t = round(ũ_t) at that trace plus
    /// (ũ_t − ũ_t at that trace): the same value there, and a derivative of 1 with respect to ũ_t, so finite
    /// differences of the loss measure the straight-through gradient.
    /// </summary>
    private DirectionTrace RunSkippingDirection(int layer, int direction, double[][] inputs, int length,
        ReferenceStateOffset? offset, DirectionTrace? detached, DirectionTrace? rounding)
    {
        int d = config.Dilation(layer);
        DirectionWeights w = Weights(parameters, layer, direction);
        (double[] wp, double bp) = GateWeights(parameters, layer, direction);
        var trace = new DirectionTrace(length);
        foreach (int t in StepOrder(direction, length))
        {
            int from = Source(direction, t, d);
            bool exists = from >= 0 && from < length;
            double[] hPrev = exists ? trace.H[from] : new double[hidden];
            double[] cPrev = exists ? trace.C[from] : new double[hidden];
            double uTilde = exists ? trace.UNext[from] : 1;
            if (detached is not null && IsCut(direction, t, d, length))
            {
                (hPrev, cPrev, uTilde) = (detached.HPrev[t], detached.CPrev[t], detached.UTilde[t]);
            }

            double u = rounding is null ? Round(uTilde) : rounding.U[t] + (uTilde - rounding.UTilde[t]);
            (double[] hCandidate, double[] cCandidate) = cell.Forward(w, inputs[t], hPrev, cPrev);
            double[] h = Blend(u, hCandidate, hPrev);
            double[] c = Blend(u, cCandidate, cPrev);
            if (offset is not null && offset.Step == t)
            {
                if (offset.Index < hidden)
                {
                    h[offset.Index] += offset.Amount;
                }
                else
                {
                    c[offset.Index - hidden] += offset.Amount;
                }
            }

            double increment = ReferenceMath.Sigmoid(GatePreActivation(wp, bp, h, c));
            trace.X[t] = inputs[t];
            trace.HPrev[t] = hPrev;
            trace.CPrev[t] = cPrev;
            trace.CandidateH[t] = hCandidate;
            trace.CandidateC[t] = cCandidate;
            trace.H[t] = h;
            trace.C[t] = c;
            trace.UTilde[t] = uTilde;
            trace.U[t] = u;
            trace.Increment[t] = increment;
            trace.UNext[t] = u * increment + (1 - u) * (uTilde + Math.Min(increment, 1 - uTilde));
        }

        return trace;
    }

    /// <summary>round(ũ) on [0, 1]: ties to even, so ½ rounds to 0.</summary>
    private static double Round(double uTilde) => uTilde > 0.5 ? 1 : 0;

    private static double[] Blend(double u, double[] candidate, double[] previous)
    {
        var s = new double[candidate.Length];
        for (int k = 0; k < s.Length; k++)
        {
            s[k] = u * candidate[k] + (1 - u) * previous[k];
        }

        return s;
    }

    /// <summary>W_p s + b_p with s = h, or [h; c] for the LSTM.</summary>
    private double GatePreActivation(double[] wp, double bp, double[] h, double[] c)
    {
        double sum = bp;
        for (int k = 0; k < hidden; k++)
        {
            sum += wp[k] * h[k];
        }

        if (config.Cell == ReferenceCellKind.Lstm)
        {
            for (int k = 0; k < hidden; k++)
            {
                sum += wp[hidden + k] * c[k];
            }
        }

        return sum;
    }

    private static (double[] Wp, double Bp) GateWeights(IReadOnlyDictionary<string, double[]> source, int layer, int direction)
    {
        string prefix = ReferenceParameterLayout.Prefix(layer, direction);
        return (source[prefix + "W_p"], source[prefix + "b_p"][0]);
    }

    /// <summary>
    /// BPTT through one direction with its update gate, from the last step back. At step t, with a_t = W_p s_t + b_p:
    /// ∂L/∂s_t = (from above) + (from the step that reads s_t) + W_pᵀ ∂L/∂a_t, where
    /// ∂L/∂a_t = ∂L/∂ũ_{t+1}·(u_t + (1 − u_t)·[Δũ_t ≤ 1 − ũ_t])·Δũ_t(1 − Δũ_t);
    /// ∂L/∂u_t = ⟨∂L/∂s_t, S̃_t − s_{t−1}⟩ + ∂L/∂ũ_{t+1}·(Δũ_t − ũ_t − min(Δũ_t, 1 − ũ_t)) + λ;
    /// ∂L/∂ũ_t = ∂L/∂u_t + ∂L/∂ũ_{t+1}·(1 − u_t)·[Δũ_t ≤ 1 − ũ_t];
    /// the cell gets u_t·∂L/∂s_t, and s_{t−1} gets (1 − u_t)·∂L/∂s_t besides what the cell sends it.
    /// </summary>
    private ReferenceAdjointNorms? BackwardSkippingDirection(int layer, int direction, DirectionTrace trace,
        double[][] dOutputs, double[][] dInputs, int length, Dictionary<string, double[]> own, double budget)
    {
        DirectionWeights w = Weights(parameters, layer, direction);
        DirectionWeights gradient = Weights(own, layer, direction);
        (double[] wp, _) = GateWeights(parameters, layer, direction);
        string prefix = ReferenceParameterLayout.Prefix(layer, direction);
        double[] dWp = own[prefix + "W_p"];
        double[] dBp = own[prefix + "b_p"];
        bool lstm = config.Cell == ReferenceCellKind.Lstm;
        (int windowStart, int windowEnd) = Window(direction, length);
        int d = config.Dilation(layer);
        bool reportNorms = layer == 0 && direction == 0;
        var norms = new double[windowEnd - windowStart + 1];

        double[][] carryH = Zeros(length, hidden);
        double[][] carryC = Zeros(length, hidden);
        var carryU = new double[length];
        foreach (int t in StepOrder(direction, length).Reverse())
        {
            double u = trace.U[t], uTilde = trace.UTilde[t], increment = trace.Increment[t];
            double dNext = carryU[t];
            bool incrementIsMin = increment <= 1 - uTilde;
            double dA = dNext * (u + (1 - u) * (incrementIsMin ? 1 : 0)) * increment * (1 - increment);
            var dh = new double[hidden];
            var dc = new double[hidden];
            for (int k = 0; k < hidden; k++)
            {
                dh[k] = dOutputs[t][direction * hidden + k] + carryH[t][k] + dA * wp[k];
                dc[k] = carryC[t][k] + (lstm ? dA * wp[hidden + k] : 0);
                dWp[k] += dA * trace.H[t][k];
                if (lstm)
                {
                    dWp[hidden + k] += dA * trace.C[t][k];
                }
            }

            dBp[0] += dA;
            if (reportNorms && t >= windowStart && t <= windowEnd)
            {
                norms[t - windowStart] = ReferenceMath.Norm(dh, lstm ? dc : []);
            }

            double dU = budget + dNext * (increment - uTilde - Math.Min(increment, 1 - uTilde));
            for (int k = 0; k < hidden; k++)
            {
                dU += dh[k] * (trace.CandidateH[t][k] - trace.HPrev[t][k]);
                if (lstm)
                {
                    dU += dc[k] * (trace.CandidateC[t][k] - trace.CPrev[t][k]);
                }
            }

            double dUTilde = dU + dNext * (1 - u) * (incrementIsMin ? 1 : 0);
            double[] dhCandidate = ReferenceMath.Map(dh, g => u * g);
            double[] dcCandidate = ReferenceMath.Map(dc, g => u * g);
            (double[] dhPrev, double[] dcPrev) = cell.Backward(
                w, gradient, trace.X[t], trace.HPrev[t], trace.CPrev[t], dhCandidate, dcCandidate, dInputs[t]);
            int from = Source(direction, t, d);
            if (from >= 0 && from < length && !IsCut(direction, t, d, length))
            {
                for (int k = 0; k < hidden; k++)
                {
                    carryH[from][k] += dhPrev[k] + (1 - u) * dh[k];
                    carryC[from][k] += lstm ? dcPrev[k] + (1 - u) * dc[k] : 0;
                }

                carryU[from] += dUTilde;
            }
        }

        return reportNorms ? new ReferenceAdjointNorms(windowStart, norms) : null;
    }
}
