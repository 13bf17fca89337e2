namespace Recurrent.Trainer.Tests.Reference;

/// <summary>The shape of a reference encoder–decoder: the same L layers of H units on both sides.</summary>
public sealed record ReferenceEncoderDecoderConfig(ReferenceCellKind Cell, int Hidden, int Layers, int EmbeddingSize,
    int SourceVocabulary, int TargetSymbols, bool UseBias = true, bool LinearBeforeReset = true,
    ReferenceActivation Activation = ReferenceActivation.Tanh)
{
    /// <summary>⟨s⟩ as the decoder's input and ⟨/s⟩ as its class: the id after the symbols.</summary>
    public int Boundary => TargetSymbols;

    public int Classes => TargetSymbols + 1;

    public int GateCount => Cell switch { ReferenceCellKind.Lstm => 4, ReferenceCellKind.Gru => 3, _ => 1 };
}

/// <summary>A source sequence and its target, symbols only (no ⟨s⟩ or ⟨/s⟩).</summary>
public sealed record ReferencePair(int[] Source, int[] Target);

/// <summary>
/// The encoder–decoder in double precision, one pair at a time, with its own hand-written BPTT: the encoder's
/// layer ℓ runs from zeros over the source; its final (h, c) starts decoder layer ℓ, which reads ⟨s⟩ y_1 … y_m and
/// scores y_1 … y_m ⟨/s⟩ with a softmax head. The loss is the mean cross-entropy over all target steps of the batch.
/// Parameter names are the engine's, so either can be loaded with the other's weights.
/// </summary>
internal sealed class ReferenceEncoderDecoder
{
    private readonly ReferenceEncoderDecoderConfig config;
    private readonly IReferenceCell cell;

    private ReferenceEncoderDecoder(ReferenceEncoderDecoderConfig config, Dictionary<string, double[]> parameters)
    {
        this.config = config;
        Parameters = parameters;
        cell = config.Cell switch
        {
            ReferenceCellKind.Rnn => new RnnReference(config.Activation),
            ReferenceCellKind.Lstm => new LstmReference(),
            _ => new GruReference(config.LinearBeforeReset),
        };
    }

    public Dictionary<string, double[]> Parameters { get; }

    public static IEnumerable<(string Name, int Length)> Layout(ReferenceEncoderDecoderConfig c)
    {
        int gates = c.GateCount * c.Hidden;
        foreach (string side in new[] { "encoder", "decoder" })
        {
            yield return ($"{side}.embedding", (side == "encoder" ? c.SourceVocabulary : c.Classes) * c.EmbeddingSize);
            for (int l = 0; l < c.Layers; l++)
            {
                int input = l == 0 ? c.EmbeddingSize : c.Hidden;
                yield return ($"{side}.layer{l}.W_xh", gates * input);
                yield return ($"{side}.layer{l}.W_hh", gates * c.Hidden);
                if (c.UseBias)
                {
                    yield return ($"{side}.layer{l}.b_xh", gates);
                    yield return ($"{side}.layer{l}.b_hh", gates);
                }
            }
        }

        yield return ("head.W", c.Classes * c.Hidden);
        if (c.UseBias)
        {
            yield return ("head.b", c.Classes);
        }
    }

    public static ReferenceEncoderDecoder CreateRandom(ReferenceEncoderDecoderConfig config, ulong seed)
    {
        var random = new ReferenceRandom(seed);
        return new ReferenceEncoderDecoder(config, Layout(config).ToDictionary(
            p => p.Name, p => Enumerable.Range(0, p.Length).Select(_ => random.NextCentered()).ToArray()));
    }

    public static ReferenceEncoderDecoder FromParameters(ReferenceEncoderDecoderConfig config, IReadOnlyDictionary<string, float[]> values) =>
        new(config, Layout(config).ToDictionary(p => p.Name, p =>
        {
            float[] v = values[p.Name];
            Assert.Equal(p.Length, v.Length);
            return v.Select(x => (double)x).ToArray();
        }));

    public IEnumerable<string> ParameterNames => Parameters.Keys;

    public double Loss(IReadOnlyList<ReferencePair> batch) => Run(batch, gradients: null);

    public (double Loss, Dictionary<string, double[]> Gradients) Gradients(IReadOnlyList<ReferencePair> batch)
    {
        var gradients = Parameters.ToDictionary(p => p.Key, p => new double[p.Value.Length]);
        return (Run(batch, gradients), gradients);
    }

    private double Run(IReadOnlyList<ReferencePair> batch, Dictionary<string, double[]>? gradients)
    {
        int steps = batch.Sum(p => p.Target.Length + 1);
        double loss = 0;
        foreach (ReferencePair pair in batch)
        {
            loss += Pair(pair, gradients, 1.0 / steps);
        }

        return loss / steps;
    }

    private DirectionWeights Weights(Dictionary<string, double[]> from, string side, int layer)
    {
        string prefix = $"{side}.layer{layer}.";
        return new DirectionWeights(config.Hidden, layer == 0 ? config.EmbeddingSize : config.Hidden,
            from[prefix + "W_xh"], from[prefix + "W_hh"], from.GetValueOrDefault(prefix + "b_xh"), from.GetValueOrDefault(prefix + "b_hh"));
    }

    private double[] Embedding(string side, int token) =>
        Parameters[$"{side}.embedding"].Skip(token * config.EmbeddingSize).Take(config.EmbeddingSize).ToArray();

    // One layer's trace: its inputs and every state, s[0] the initial one.
    private sealed record LayerTrace(double[][] X, double[][] H, double[][] C);

    private LayerTrace RunLayer(DirectionWeights w, double[][] x, double[] h0, double[] c0)
    {
        var h = new double[x.Length + 1][];
        var c = new double[x.Length + 1][];
        (h[0], c[0]) = (h0, c0);
        for (int t = 0; t < x.Length; t++)
        {
            (h[t + 1], c[t + 1]) = cell.Forward(w, x[t], h[t], c[t]);
        }

        return new LayerTrace(x, h, c);
    }

    // Returns the pair's summed loss; with gradients, adds scale·∂(that sum)/∂θ.
    private double Pair(ReferencePair pair, Dictionary<string, double[]>? gradients, double scale)
    {
        int hidden = config.Hidden;
        var encoder = new LayerTrace[config.Layers];
        double[][] x = pair.Source.Select(token => Embedding("encoder", token)).ToArray();
        for (int l = 0; l < config.Layers; l++)
        {
            encoder[l] = RunLayer(Weights(Parameters, "encoder", l), x, new double[hidden], new double[hidden]);
            x = encoder[l].H.Skip(1).ToArray();
        }

        int[] inputs = [config.Boundary, .. pair.Target];
        int[] classes = [.. pair.Target, config.Boundary];
        var decoder = new LayerTrace[config.Layers];
        x = inputs.Select(token => Embedding("decoder", token)).ToArray();
        for (int l = 0; l < config.Layers; l++)
        {
            decoder[l] = RunLayer(Weights(Parameters, "decoder", l), x, encoder[l].H[^1], encoder[l].C[^1]);
            x = decoder[l].H.Skip(1).ToArray();
        }

        double[] headW = Parameters["head.W"];
        double[]? headB = Parameters.GetValueOrDefault("head.b");
        double loss = 0;
        var dTop = new double[inputs.Length][];
        for (int t = 0; t < inputs.Length; t++)
        {
            var z = new double[config.Classes];
            for (int k = 0; k < z.Length; k++)
            {
                z[k] = (headB?[k] ?? 0) + Enumerable.Range(0, hidden).Sum(j => headW[k * hidden + j] * x[t][j]);
            }

            (double stepLoss, double[] dz) = ReferenceLoss.Evaluate(ReferenceHeadKind.MultiClass, z, classes[t], 0);
            loss += stepLoss;
            if (gradients is null)
            {
                continue;
            }

            dTop[t] = new double[hidden];
            for (int k = 0; k < z.Length; k++)
            {
                double g = scale * dz[k];
                if (headB is not null)
                {
                    gradients["head.b"][k] += g;
                }

                for (int j = 0; j < hidden; j++)
                {
                    gradients["head.W"][k * hidden + j] += g * x[t][j];
                    dTop[t][j] += g * headW[k * hidden + j];
                }
            }
        }

        if (gradients is null)
        {
            return loss;
        }

        // The decoder, top layer first; each layer hands back ∂L/∂s_0, its encoder layer's final state's gradient.
        var finalH = new double[config.Layers][];
        var finalC = new double[config.Layers][];
        double[][] dOut = dTop;
        for (int l = config.Layers - 1; l >= 0; l--)
        {
            (dOut, finalH[l], finalC[l]) = BackwardLayer(decoder[l], Weights(Parameters, "decoder", l), Weights(gradients, "decoder", l),
                dOut, new double[hidden], new double[hidden]);
        }

        AddEmbeddingGradient(gradients["decoder.embedding"], inputs, dOut);

        // The encoder: no loss of its own; the final state's gradient enters at its last step.
        dOut = pair.Source.Select(_ => new double[hidden]).ToArray();
        for (int l = config.Layers - 1; l >= 0; l--)
        {
            (dOut, _, _) = BackwardLayer(encoder[l], Weights(Parameters, "encoder", l), Weights(gradients, "encoder", l),
                dOut, finalH[l], finalC[l]);
        }

        AddEmbeddingGradient(gradients["encoder.embedding"], pair.Source, dOut);
        return loss;
    }

    // BPTT through one layer from ∂L/∂h_t (from above) and ∂L/∂(h, c) past the last step; returns ∂L/∂x_t and ∂L/∂s_0.
    private (double[][] Dx, double[] Dh0, double[] Dc0) BackwardLayer(LayerTrace trace, DirectionWeights w, DirectionWeights gradient,
        double[][] dOut, double[] dhLast, double[] dcLast)
    {
        int steps = trace.X.Length;
        var dx = new double[steps][];
        double[] carryH = dhLast;
        double[] carryC = dcLast;
        for (int t = steps - 1; t >= 0; t--)
        {
            dx[t] = new double[w.InputSize];
            double[] dh = ReferenceMath.Add(dOut[t], carryH);
            (carryH, carryC) = cell.Backward(w, gradient, trace.X[t], trace.H[t], trace.C[t], dh, carryC, dx[t]);
        }

        return (dx, carryH, carryC);
    }

    private void AddEmbeddingGradient(double[] gradient, int[] tokens, double[][] dx)
    {
        for (int t = 0; t < tokens.Length; t++)
        {
            for (int j = 0; j < config.EmbeddingSize; j++)
            {
                gradient[tokens[t] * config.EmbeddingSize + j] += dx[t][j];
            }
        }
    }
}
