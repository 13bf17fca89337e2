namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// Forward and backward through the whole stack for one sample at a time: embedding or numeric input, L layers of
/// one or two directions, the head and its loss. Samples are independent, so padding can never leak between them.
/// </summary>
internal sealed partial class ReferenceNetwork
{
    private readonly ReferenceConfig config;
    private readonly IReadOnlyDictionary<string, double[]> parameters;
    private readonly IReferenceCell cell;
    private readonly int hidden;

    public ReferenceNetwork(ReferenceConfig config, IReadOnlyDictionary<string, double[]> parameters)
    {
        this.config = config;
        this.parameters = parameters;
        hidden = config.HiddenSize;
        cell = config.Cell switch
        {
            ReferenceCellKind.Rnn => new RnnReference(config.Activation),
            ReferenceCellKind.Lstm => new LstmReference(),
            ReferenceCellKind.Gru => new GruReference(config.LinearBeforeReset),
            _ => throw new InvalidOperationException($"Unknown cell {config.Cell}."),
        };
    }

    /// <summary>
    /// Runs the sample forward, optionally nudging one state of layer 0's forward direction. When
    /// <paramref name="detached"/> is given, every state that enters a truncation window is taken from that trace
    /// instead of being computed: its value no longer depends on this network's parameters, which is what
    /// detaching means, so finite differences of this loss measure the truncated gradient. With skip gates,
    /// <paramref name="rounding"/> freezes each round(ũ_t) at that trace's value and lets u_t move with ũ_t (see
    /// <see cref="ReferenceModel.StraightThroughLoss"/>), and the loss adds the budget unless
    /// <paramref name="withBudget"/> is false.
    /// </summary>
    public SampleTrace Forward(ReferenceSample sample, ReferenceStateOffset? offset, SampleTrace? detached = null,
        SampleTrace? rounding = null, bool withBudget = true)
    {
        int length = sample.Length;
        double[][] inputs = LayerZeroInputs(sample);
        var layers = new DirectionTrace[config.Layers][];
        for (int layer = 0; layer < config.Layers; layer++)
        {
            layers[layer] = new DirectionTrace[config.Directions];
            for (int direction = 0; direction < config.Directions; direction++)
            {
                ReferenceStateOffset? nudge = layer == 0 && direction == 0 ? offset : null;
                layers[layer][direction] = config.SkipUpdates
                    ? RunSkippingDirection(layer, direction, inputs, length, nudge, detached?.Layers[layer][direction],
                        rounding?.Layers[layer][direction])
                    : RunDirection(layer, direction, inputs, length, nudge, detached?.Layers[layer][direction]);
            }

            inputs = LayerOutputs(layers[layer], length);
        }

        double budget = withBudget ? Budget(layers, length) : 0;
        if (config.PerStep)
        {
            SampleTrace steps = StepHead(layers, inputs, sample);
            return steps with { Loss = steps.Loss + budget };
        }

        DirectionTrace[] last = layers[config.Layers - 1];
        double[] headInput = last[0].H[length - 1];
        if (config.Directions == 2)
        {
            headInput = ReferenceMath.Concat(headInput, last[1].H[0]);
        }

        double[] z = HeadForward(headInput);
        (double loss, double[] dLossDz) = ReferenceLoss.Evaluate(config.Head, z, sample);
        return new SampleTrace(layers, headInput, loss + budget, dLossDz);
    }

    /// <summary>
    /// z_t = W u_t + b at every step t of the top layer's outputs u_t, each labelled step's loss summed; ∂ℓ_t/∂z_t is
    /// kept per step.
    /// </summary>
    private SampleTrace StepHead(DirectionTrace[][] layers, double[][] outputs, ReferenceSample sample)
    {
        int length = sample.Length;
        var dz = new double[]?[length];
        double loss = 0;
        int labelled = 0;
        for (int t = 0; t < length; t++)
        {
            if (!sample.IsLabelled(t))
            {
                continue;
            }

            (double stepLoss, double[] dStep) = ReferenceLoss.Evaluate(
                config.Head, HeadForward(outputs[t]), sample.StepClasses?[t] ?? 0, sample.StepTargets?[t] ?? 0);
            loss += stepLoss;
            dz[t] = dStep;
            labelled++;
        }

        return new SampleTrace(layers, [], loss, []) { StepHeadInputs = outputs, StepDLossDz = dz, LabelledSteps = labelled };
    }

    /// <summary>
    /// Backpropagates the sample's own loss L_b (per step: the sum of its steps' losses). Parameter gradients are
    /// multiplied by <paramref name="scale"/> (1/B, or 1/N labelled steps, for the batch mean) as they are added to
    /// <paramref name="gradients"/>; the adjoint norms are not. A per-step head's adjoint norms are those of the loss
    /// of the sample's last step alone, from a backward pass of their own.
    /// </summary>
    public ReferenceAdjointNorms Backward(ReferenceSample sample, SampleTrace trace, Dictionary<string, double[]> gradients, double scale)
    {
        int length = sample.Length;
        var own = ReferenceModel.ZerosLike(parameters);
        ReferenceAdjointNorms norms;
        if (config.PerStep)
        {
            BackwardLayers(sample, trace, StepOutputGradients(trace, length, own, lastOnly: false), own, config.SkipBudget);
            var discarded = ReferenceModel.ZerosLike(parameters);
            norms = BackwardLayers(sample, trace, StepOutputGradients(trace, length, discarded, lastOnly: true), discarded, 0);
        }
        else
        {
            norms = BackwardLayers(sample, trace, SequenceOutputGradients(trace, length, own), own, config.SkipBudget);
        }

        foreach ((string name, double[] values) in own)
        {
            double[] total = gradients[name];
            for (int i = 0; i < values.Length; i++)
            {
                total[i] += scale * values[i];
            }
        }

        return norms;
    }

    /// <summary>dL/d(top layer output): the forward direction's last step and the reverse direction's first.</summary>
    private double[][] SequenceOutputGradients(SampleTrace trace, int length, Dictionary<string, double[]> own)
    {
        double[] dHeadInput = HeadBackward(trace.HeadInput, trace.DLossDz, own);
        double[][] dOutputs = Zeros(length, config.Directions * hidden);
        for (int k = 0; k < hidden; k++)
        {
            dOutputs[length - 1][k] += dHeadInput[k];
            if (config.Directions == 2)
            {
                dOutputs[0][hidden + k] += dHeadInput[hidden + k];
            }
        }

        return dOutputs;
    }

    /// <summary>dℓ_t/du_t at every labelled step, or at the last step only (that step's loss alone).</summary>
    private double[][] StepOutputGradients(SampleTrace trace, int length, Dictionary<string, double[]> own, bool lastOnly)
    {
        double[][] dOutputs = Zeros(length, config.Directions * hidden);
        for (int t = lastOnly ? length - 1 : 0; t < length; t++)
        {
            if (trace.StepDLossDz![t] is { } dz)
            {
                dOutputs[t] = HeadBackward(trace.StepHeadInputs![t], dz, own);
            }
        }

        return dOutputs;
    }

    /// <summary>
    /// BPTT down the stack from dL/d(top layer output); returns layer 0's forward adjoint norms, with every path's in
    /// <see cref="ReferenceAdjointNorms.Paths"/>.
    /// </summary>
    private ReferenceAdjointNorms BackwardLayers(ReferenceSample sample, SampleTrace trace, double[][] dOutputs, Dictionary<string, double[]> own,
        double budget)
    {
        int length = sample.Length;
        var paths = new Dictionary<(int Layer, int Direction), ReferenceAdjointNorms>();
        for (int layer = config.Layers - 1; layer >= 0; layer--)
        {
            double[][] dInputs = Zeros(length, config.LayerInputSize(layer));
            for (int direction = 0; direction < config.Directions; direction++)
            {
                ReferenceAdjointNorms? directionNorms = config.SkipUpdates
                    ? BackwardSkippingDirection(layer, direction, trace.Layers[layer][direction], dOutputs, dInputs, length, own, budget)
                    : BackwardDirection(layer, direction, trace.Layers[layer][direction], dOutputs, dInputs, length, own);
                if (directionNorms is not null)
                {
                    paths[(layer, direction)] = directionNorms;
                }
            }

            dOutputs = dInputs;
        }

        if (config.Input == ReferenceInputKind.Tokens)
        {
            double[] dEmbedding = own[ReferenceParameterLayout.Embedding];
            for (int t = 0; t < length; t++)
            {
                int row = sample.TokenIds![t];
                for (int j = 0; j < config.EmbeddingSize; j++)
                {
                    dEmbedding[row * config.EmbeddingSize + j] += dOutputs[t][j];
                }
            }
        }

        return paths[(0, 0)] with { Paths = paths };
    }

    private DirectionTrace RunDirection(
        int layer, int direction, double[][] inputs, int length, ReferenceStateOffset? offset, DirectionTrace? detached)
    {
        int d = config.Dilation(layer);
        DirectionWeights w = Weights(parameters, layer, direction);
        var trace = new DirectionTrace(length);
        foreach (int t in StepOrder(direction, length))
        {
            // s_t = cell(x_t, s_{t−d}) forward, cell(x_t, s_{t+d}) in reverse; zeros where that step does not exist.
            int from = Source(direction, t, d);
            double[] h = from >= 0 && from < length ? trace.H[from] : new double[hidden];
            double[] c = from >= 0 && from < length ? trace.C[from] : new double[hidden];
            if (detached is not null && IsCut(direction, t, d, length))
            {
                (h, c) = (detached.HPrev[t], detached.CPrev[t]);
            }

            trace.X[t] = inputs[t];
            trace.HPrev[t] = h;
            trace.CPrev[t] = c;
            (h, c) = cell.Forward(w, inputs[t], h, c);
            if (offset is not null && offset.Step == t)
            {
                (h, c) = ((double[])h.Clone(), (double[])c.Clone());
                if (offset.Index < hidden)
                {
                    h[offset.Index] += offset.Amount;
                }
                else
                {
                    c[offset.Index - hidden] += offset.Amount;
                }
            }

            trace.H[t] = h;
            trace.C[t] = c;
        }

        return trace;
    }

    /// <summary>
    /// BPTT through one direction. dOutputs holds dL/d(layer output) from above; this direction's slice of it is
    /// added to the gradient flowing back along the recurrence. Returns the direction's adjoint norms.
    /// </summary>
    private ReferenceAdjointNorms? BackwardDirection(
        int layer, int direction, DirectionTrace trace, double[][] dOutputs, double[][] dInputs, int length, Dictionary<string, double[]> own)
    {
        DirectionWeights w = Weights(parameters, layer, direction);
        DirectionWeights gradient = Weights(own, layer, direction);
        (int windowStart, int windowEnd) = Window(direction, length);
        int d = config.Dilation(layer);
        var norms = new double[windowEnd - windowStart + 1];

        // carryH[t], carryC[t]: what the steps that read s_t as their previous state send back to it.
        double[][] carryH = Zeros(length, hidden);
        double[][] carryC = Zeros(length, hidden);
        foreach (int t in StepOrder(direction, length).Reverse())
        {
            var dh = new double[hidden];
            for (int k = 0; k < hidden; k++)
            {
                dh[k] = dOutputs[t][direction * hidden + k] + carryH[t][k];
            }

            // dc comes only from the next step: c_t is a state variable, h_t's own use of it is inside the cell.
            double[] dc = carryC[t];
            if (t >= windowStart && t <= windowEnd)
            {
                norms[t - windowStart] = ReferenceMath.Norm(dh, config.Cell == ReferenceCellKind.Lstm ? dc : []);
            }

            (double[] dhPrev, double[] dcPrev) = cell.Backward(w, gradient, trace.X[t], trace.HPrev[t], trace.CPrev[t], dh, dc, dInputs[t]);
            // Truncation: the state entering the window from outside is a constant, so nothing flows past it.
            int from = Source(direction, t, d);
            if (from >= 0 && from < length && !IsCut(direction, t, d, length))
            {
                for (int k = 0; k < hidden; k++)
                {
                    carryH[from][k] += dhPrev[k];
                    carryC[from][k] += dcPrev[k];
                }
            }
        }

        return new ReferenceAdjointNorms(windowStart, norms);
    }

    /// <summary>
    /// The truncation window [start, end] of a direction: the k2 steps nearest where the loss enters. With a per-step
    /// head, the segment of the last step (forward) or of the first (reverse): where the last step's loss reaches.
    /// </summary>
    private (int Start, int End) Window(int direction, int length)
    {
        int? k2 = config.Truncation;
        if (k2 is null || k2 >= length)
        {
            return (0, length - 1);
        }

        if (config.PerStep)
        {
            return direction == 0 ? (k2.Value * ((length - 1) / k2.Value), length - 1) : (0, k2.Value - 1);
        }

        return direction == 0 ? (length - k2.Value, length - 1) : (0, k2.Value - 1);
    }

    /// <summary>The step whose state step t reads: t − d forward, t + d in reverse.</summary>
    private static int Source(int direction, int t, int d) => direction == 0 ? t - d : t + d;

    /// <summary>Whether step t is inside the window and reads a state from a step outside it: that edge is cut.</summary>
    private bool IsCut(int direction, int t, int d, int length)
    {
        if (config.PerStep)
        {
            // Segments of k2 steps from the start: an edge between two segments is cut, in either direction.
            int source = Source(direction, t, d);
            return config.Truncation is int k && source >= 0 && source < length && source / k != t / k;
        }

        (int start, int end) = Window(direction, length);
        int from = Source(direction, t, d);
        bool inside = t >= start && t <= end;
        bool fromExists = from >= 0 && from < length;
        return inside && fromExists && (from < start || from > end);
    }

    private static IEnumerable<int> StepOrder(int direction, int length) =>
        direction == 0 ? Enumerable.Range(0, length) : Enumerable.Range(0, length).Reverse();

    private double[] HeadForward(double[] u)
    {
        double[] w = parameters[ReferenceParameterLayout.HeadWeight];
        var z = new double[config.OutputCount];
        for (int o = 0; o < z.Length; o++)
        {
            double sum = config.UseBias ? parameters[ReferenceParameterLayout.HeadBias][o] : 0;
            for (int j = 0; j < u.Length; j++)
            {
                sum += w[o * u.Length + j] * u[j];
            }

            z[o] = sum;
        }

        return z;
    }

    private double[] HeadBackward(double[] u, double[] dz, Dictionary<string, double[]> own)
    {
        double[] w = parameters[ReferenceParameterLayout.HeadWeight];
        double[] dw = own[ReferenceParameterLayout.HeadWeight];
        var du = new double[u.Length];
        for (int o = 0; o < dz.Length; o++)
        {
            if (config.UseBias)
            {
                own[ReferenceParameterLayout.HeadBias][o] += dz[o];
            }

            for (int j = 0; j < u.Length; j++)
            {
                dw[o * u.Length + j] += dz[o] * u[j];
                du[j] += w[o * u.Length + j] * dz[o];
            }
        }

        return du;
    }

    private double[][] LayerZeroInputs(ReferenceSample sample)
    {
        var inputs = new double[sample.Length][];
        for (int t = 0; t < sample.Length; t++)
        {
            if (config.Input == ReferenceInputKind.Tokens)
            {
                int row = sample.TokenIds![t];
                inputs[t] = parameters[ReferenceParameterLayout.Embedding]
                    .AsSpan(row * config.EmbeddingSize, config.EmbeddingSize).ToArray();
            }
            else
            {
                inputs[t] = sample.Steps![t];
            }
        }

        return inputs;
    }

    /// <summary>concat(forward h_t, reverse h_t), forward part first.</summary>
    private double[][] LayerOutputs(DirectionTrace[] directions, int length)
    {
        var outputs = new double[length][];
        for (int t = 0; t < length; t++)
        {
            outputs[t] = directions.Length == 2
                ? ReferenceMath.Concat(directions[0].H[t], directions[1].H[t])
                : directions[0].H[t];
        }

        return outputs;
    }

    private DirectionWeights Weights(IReadOnlyDictionary<string, double[]> source, int layer, int direction)
    {
        string prefix = ReferenceParameterLayout.Prefix(layer, direction);
        return new DirectionWeights(
            hidden,
            config.LayerInputSize(layer),
            source[prefix + "W_xh"],
            source[prefix + "W_hh"],
            config.UseBias ? source[prefix + "b_xh"] : null,
            config.UseBias ? source[prefix + "b_hh"] : null);
    }

    private static double[][] Zeros(int rows, int columns)
    {
        var result = new double[rows][];
        for (int i = 0; i < rows; i++)
        {
            result[i] = new double[columns];
        }

        return result;
    }
}
