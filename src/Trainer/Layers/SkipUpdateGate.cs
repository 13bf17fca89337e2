using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// Campos et al.'s learned state-update gate (Skip RNN, ICLR 2018) for one direction of one layer: a binary
/// u_t decides whether the cell updates the state at step t or copies it, from an accumulated update
/// probability ũ_t that grows while steps are skipped.
/// <code>
/// u_t     = round(ũ_t)                                          (ũ = 1 at a sequence's first step)
/// s_t     = u_t · S(s_{t−1}, x_t) + (1 − u_t) · s_{t−1}
/// Δũ_t    = σ(W_p s_t + b_p)
/// ũ_{t+1} = u_t · Δũ_t + (1 − u_t) · (ũ_t + min(Δũ_t, 1 − ũ_t))
/// </code>
/// s = h, or [h; c] for the LSTM. The gradient passes the rounding unchanged (the straight-through estimator,
/// ∂u_t/∂ũ_t := 1), so ∂L/∂u_t = ⟨∂L/∂s_t, S̃_t − s_{t−1}⟩ + ∂L/∂ũ_{t+1}·(Δũ_t − ũ_t − min(Δũ_t, 1 − ũ_t)) + λ'
/// with the budget λ' per update. A skipped step hands ∂L/∂s_t to s_{t−1} unchanged: the cell's Jacobian is not
/// in the path. This class keeps W_p, b_p, the per-step histories (ũ_t, u_t, Δũ_t, the candidate states S̃_t)
/// and the per-row arithmetic; <see cref="RecurrentDirection"/>'s skipping loops drive it.
/// </summary>
/// <remarks>
/// Rounding is u = [ũ &gt; ½] (round half to even on [0, 1], as torch.round). min's derivative goes to Δũ when
/// Δũ ≤ 1 − ũ, else to 1 − ũ. Padded steps (t ≥ length) neither update nor count, and reset ũ to 1, so a reverse
/// direction's first valid step starts like a forward one's.
/// </remarks>
internal sealed class SkipUpdateGate
{
    /// <summary>b_p's starting value (the authors' update bias): σ(1) ≈ 0.73, so training starts updating every step.</summary>
    public const float InitialBias = 1f;

    private float[] _uTilde = [], _updates = [], _increments = [];
    private double[] _preActivationGradient = [];
    private float[] _candidateStates = [], _candidateCells = [];
    private double[] _gradientSums = [];
    private PartScratch[] _parts = [];
    private int _steps, _rows;

    public SkipUpdateGate(string prefix, int hidden, bool stateHasCell)
    {
        Hidden = hidden;
        HasCell = stateHasCell;
        StateWidth = stateHasCell ? 2 * hidden : hidden;
        Weights = new Parameter(prefix + "W_p", "W_p", 1, StateWidth);
        Bias = new Parameter(prefix + "b_p", "b", 1);
    }

    public int Hidden { get; }

    /// <summary>Whether s_t includes the LSTM's cell: W_p reads [h; c].</summary>
    public bool HasCell { get; }

    /// <summary>The width of s_t that W_p reads: H, or 2H for the LSTM.</summary>
    public int StateWidth { get; }

    /// <summary>W_p [1, StateWidth].</summary>
    public Parameter Weights { get; }

    /// <summary>b_p [1], present whatever the network's UseBias: without it the gate cannot start open.</summary>
    public Parameter Bias { get; }

    /// <summary>S̃_t = the cell's candidate h at every step, [steps, rows, H] (training only).</summary>
    public float[] CandidateStates => _candidateStates;

    /// <summary>The candidate c of the LSTM, as <see cref="CandidateStates"/>; empty for other cells.</summary>
    public float[] CandidateCells => _candidateCells;

    /// <summary>u_t per step and row of the last pass, [steps, rows]: 1 updated, 0 skipped or padded.</summary>
    public ReadOnlySpan<float> Updates => _updates.AsSpan(0, _steps * _rows);

    /// <summary>ũ_t per step and row of the last training pass, [steps, rows].</summary>
    public ReadOnlySpan<float> UpdateProbabilities => _uTilde.AsSpan(0, _steps * _rows);

    /// <summary>Updates (Σ u_t over valid steps) of the last pass.</summary>
    public long UpdatedSteps { get; private set; }

    /// <summary>Valid steps (Σ lengths) of the last pass.</summary>
    public long ValidSteps { get; private set; }

    public PartScratch Part(int part) => _parts[part];

    /// <summary>Sizes the histories for <paramref name="steps"/> sub-steps of <paramref name="rows"/> rows.</summary>
    public void Allocate(int steps, int rows, int parts, int rowsPerPart, int inputSize, int gateWidth, bool training)
    {
        _steps = steps;
        _rows = rows;
        Workspace.Ensure(ref _updates, steps * rows);
        if (training)
        {
            Workspace.Ensure(ref _uTilde, steps * rows);
            Workspace.Ensure(ref _increments, steps * rows);
            if (_preActivationGradient.Length < steps * rows)
                _preActivationGradient = new double[Math.Max(steps * rows, _preActivationGradient.Length * 3 / 2)];
            Workspace.Ensure(ref _candidateStates, steps * rows * Hidden);
            if (HasCell)
                Workspace.Ensure(ref _candidateCells, steps * rows * Hidden);
        }
        if (_parts.Length < parts)
            Array.Resize(ref _parts, parts);
        for (var p = 0; p < parts; p++)
        {
            _parts[p] ??= new PartScratch();
            _parts[p].Ensure(rowsPerPart, Hidden, inputSize, gateWidth, training);
        }
    }

    /// <summary>
    /// Training forward of step <paramref name="t"/> for rows first..first+count, after the cell wrote its candidates:
    /// s_t (and c_t) from the candidate or the previous state, Δũ_t, and ũ_{t+1} into <paramref name="uTilde"/>.
    /// </summary>
    public void Choose(int t, int first, int count, int[] lengths, Span<float> uTilde, ReadOnlySpan<float> previousState,
        ReadOnlySpan<float> previousCell, ReadOnlySpan<float> candidate, ReadOnlySpan<float> candidateCell,
        Span<float> state, Span<float> cell)
    {
        int hidden = Hidden;
        for (var r = 0; r < count; r++)
        {
            var index = t * _rows + first + r;
            var h = state.Slice(r * hidden, hidden);
            var c = cell.Slice(r * hidden, hidden);
            if (t >= lengths[first + r])
            {
                h.Clear();
                c.Clear();
                _uTilde[index] = 1f;
                _updates[index] = 0f;
                _increments[index] = 0f;
                uTilde[r] = 1f;
                continue;
            }
            var probability = uTilde[r];
            var update = probability > 0.5f;
            _uTilde[index] = probability;
            _updates[index] = update ? 1f : 0f;
            (update ? candidate : previousState).Slice(r * hidden, hidden).CopyTo(h);
            if (HasCell)
                (update ? candidateCell : previousCell).Slice(r * hidden, hidden).CopyTo(c);
            var increment = Increment(h, c);
            _increments[index] = increment;
            uTilde[r] = Next(update, probability, increment);
        }
    }

    /// <summary>ũ_{t+1} from u_t, ũ_t and Δũ_t.</summary>
    public static float Next(bool update, float probability, float increment) =>
        update ? increment : probability + MathF.Min(increment, 1f - probability);

    /// <summary>Δũ = σ(W_p s + b_p) for one row's s = h (or [h; c]): one FMA chain from b_p, h then c, in order.</summary>
    public float Increment(ReadOnlySpan<float> h, ReadOnlySpan<float> c)
    {
        var w = Weights.Value;
        var sum = Bias.Value[0];
        for (var k = 0; k < h.Length; k++)
            sum = MathF.FusedMultiplyAdd(w[k], h[k], sum);
        if (HasCell)
        {
            for (var k = 0; k < c.Length; k++)
                sum = MathF.FusedMultiplyAdd(w[Hidden + k], c[k], sum);
        }
        return 1f / (1f + MathF.Exp(-sum));
    }

    /// <summary>Records one inference step's decisions (the histories inference keeps are u_t alone).</summary>
    public void RecordUpdate(int t, int row, bool update) => _updates[t * _rows + row] = update ? 1f : 0f;

    /// <summary>
    /// Backward of the gate at step <paramref name="t"/> for rows first..first+count, before the cell's backward.
    /// In: <paramref name="dh"/> (and <paramref name="dc"/>) = ∂L/∂s_t from above and from step t+1, and
    /// <paramref name="uCarry"/> = ∂L/∂ũ_{t+1}. Adds W_p's path to dh and dc, so they become the whole ∂L/∂s_t, and
    /// leaves ∂L/∂ũ_t in <paramref name="uCarry"/>; a skipped row's ∂L/∂s_t moves to <paramref name="passState"/>
    /// (<paramref name="passCell"/>) for s_{t−1}, and its dh, dc become 0, so the cell's backward gives it nothing.
    /// </summary>
    public void Backward(int t, int first, int count, int[] lengths, Span<float> dh, Span<float> dc, Span<double> uCarry,
        Span<float> passState, Span<float> passCell, ReadOnlySpan<float> previousState, ReadOnlySpan<float> previousCell,
        ReadOnlySpan<float> candidate, ReadOnlySpan<float> candidateCell, float budget, AdjointRecorder? recorder,
        int dilation)
    {
        int hidden = Hidden;
        var w = Weights.Value;
        for (var r = 0; r < count; r++)
        {
            var index = t * _rows + first + r;
            var gh = dh.Slice(r * hidden, hidden);
            var gc = HasCell ? dc.Slice(r * hidden, hidden) : default;
            if (t >= lengths[first + r])
            {
                _preActivationGradient[index] = 0;
                uCarry[r] = 0;
                continue;
            }
            var carried = uCarry[r];
            var probability = _uTilde[index];
            var increment = _increments[index];
            var update = _updates[index] == 1f;
            var incrementIsMin = increment <= 1f - probability;
            // Δũ_t reaches ũ_{t+1} directly when updating, through min otherwise.
            var dIncrement = update || incrementIsMin ? carried : 0;
            var dPre = dIncrement * increment * (1.0 - increment);
            _preActivationGradient[index] = dPre;
            for (var k = 0; k < hidden; k++)
                gh[k] = (float)(gh[k] + dPre * w[k]);
            if (HasCell)
            {
                for (var k = 0; k < hidden; k++)
                    gc[k] = (float)(gc[k] + dPre * w[hidden + k]);
            }
            // ∂s_t/∂u_t = S̃_t − s_{t−1}; summed in double, as its terms can cancel.
            var dUpdate = budget + carried * ((double)increment - probability - Math.Min(increment, 1.0 - probability));
            dUpdate += Difference(gh, candidate.Slice(r * hidden, hidden), previousState.Slice(r * hidden, hidden));
            if (HasCell)
                dUpdate += Difference(gc, candidateCell.Slice(r * hidden, hidden), previousCell.Slice(r * hidden, hidden));
            // The straight-through estimator: ∂L/∂ũ_t = ∂L/∂u_t, plus ũ_t's own path into ũ_{t+1} while skipping.
            uCarry[r] = dUpdate + (!update && incrementIsMin ? carried : 0.0);
        }
        recorder?.Record(t, dilation, first, count, dh, dc, hidden);
        for (var r = 0; r < count; r++)
        {
            var index = t * _rows + first + r;
            var skipped = t < lengths[first + r] && _updates[index] == 0f;
            var gh = dh.Slice(r * hidden, hidden);
            var ph = passState.Slice(r * hidden, hidden);
            if (skipped)
            {
                gh.CopyTo(ph);
                gh.Clear();
            }
            else
            {
                ph.Clear();
            }
            if (!HasCell)
                continue;
            var gc = dc.Slice(r * hidden, hidden);
            var pc = passCell.Slice(r * hidden, hidden);
            if (skipped)
            {
                gc.CopyTo(pc);
                gc.Clear();
            }
            else
            {
                pc.Clear();
            }
        }
    }

    // ⟨g, a − b⟩ in double: the terms can cancel.
    private static double Difference(ReadOnlySpan<float> g, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0.0;
        for (var k = 0; k < g.Length; k++)
            sum += (double)g[k] * ((double)a[k] - b[k]);
        return sum;
    }

    /// <summary>
    /// dW_p = Σ ∂L/∂a_t · s_tᵀ and db_p = Σ ∂L/∂a_t over every step and row of the last backward pass, in double
    /// (the terms' signs mix) and in one fixed order (step, then row), so the bits do not depend on the thread split.
    /// <paramref name="states"/> and <paramref name="cells"/> hold s_0.. from <paramref name="offset"/> as [steps·rows, H].
    /// </summary>
    public void AccumulateGradients(float[] states, float[] cells, int offset)
    {
        int hidden = Hidden, rows = _steps * _rows;
        var sums = _gradientSums.Length >= StateWidth ? _gradientSums : _gradientSums = new double[StateWidth];
        Array.Clear(sums);
        var bias = 0.0;
        for (var i = 0; i < rows; i++)
        {
            double dPre = _preActivationGradient[i];
            if (dPre == 0)
                continue;
            bias += dPre;
            var h = states.AsSpan(offset + i * hidden, hidden);
            for (var k = 0; k < hidden; k++)
                sums[k] += dPre * h[k];
            if (!HasCell)
                continue;
            var c = cells.AsSpan(offset + i * hidden, hidden);
            for (var k = 0; k < hidden; k++)
                sums[hidden + k] += dPre * c[k];
        }
        for (var k = 0; k < StateWidth; k++)
            Weights.Gradient[k] = (float)sums[k];
        Bias.Gradient[0] = (float)bias;
    }

    /// <summary>Counts the last pass's updates and valid steps (<see cref="UpdatedSteps"/>, <see cref="ValidSteps"/>).</summary>
    public void Count(int[] lengths)
    {
        long updated = 0, valid = 0;
        for (var row = 0; row < _rows; row++)
        {
            var length = Math.Min(lengths[row], _steps);
            valid += length;
            for (var t = 0; t < length; t++)
                updated += (long)_updates[t * _rows + row];
        }
        UpdatedSteps = updated;
        ValidSteps = valid;
    }

    /// <summary>One worker's carried values and gather buffers, sized for its rows.</summary>
    internal sealed class PartScratch
    {
        /// <summary>ũ of the next step per row (forward).</summary>
        public float[] Carry = [];

        /// <summary>∂L/∂ũ_{t+1} per row (backward), in double: it sums a chain of terms of either sign.</summary>
        public double[] CarryGradient = [];

        /// <summary>Δũ of the last update per row (inference): what a skipped step adds to ũ.</summary>
        public float[] Increments = [];

        /// <summary>A skipped row's ∂L/∂s_t handed to s_{t−1} past the cell (training).</summary>
        public float[] PassState = [], PassCell = [];

        /// <summary>Inference: the rows that update this step, and their inputs and outputs gathered together.</summary>
        public int[] Rows = [];

        public float[] Inputs = [], Projection = [], PreviousStates = [], PreviousCells = [], States = [], Cells = [], CurrentCells = [];

        public void Ensure(int rows, int hidden, int inputSize, int gateWidth, bool training)
        {
            Workspace.Ensure(ref Carry, rows);
            if (training)
            {
                if (CarryGradient.Length < rows)
                    CarryGradient = new double[rows];
                Workspace.Ensure(ref PassState, rows * hidden);
                Workspace.Ensure(ref PassCell, rows * hidden);
                return;
            }
            Workspace.Ensure(ref Increments, rows);
            if (Rows.Length < rows)
                Rows = new int[rows];
            Workspace.Ensure(ref Inputs, rows * inputSize);
            Workspace.Ensure(ref Projection, rows * gateWidth);
            Workspace.Ensure(ref PreviousStates, rows * hidden);
            Workspace.Ensure(ref PreviousCells, rows * hidden);
            Workspace.Ensure(ref States, rows * hidden);
            Workspace.Ensure(ref Cells, rows * hidden);
            Workspace.Ensure(ref CurrentCells, rows * hidden);
        }
    }
}
