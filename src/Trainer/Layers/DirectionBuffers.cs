using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// The workspace of one <see cref="RecurrentDirection"/>: the time-major histories forward keeps for BPTT
/// ([steps, rows, ·] blocks, the states and cells with one more slot for h_0), their gradients, and one scratch per
/// worker, each worker owning a contiguous range of rows. Grows to the largest batch seen, never shrinks.
/// </summary>
internal sealed class DirectionBuffers(IRecurrentCell cell, int hidden, bool reverse)
{
    // A pass with a few rows per worker or more projects x_t one step at a time into a buffer that stays in cache;
    // a projection of all T steps at once would stream T·B·GH floats through memory twice (written with the bias,
    // then read and written again by the product, far from any cache by the time its step comes).
    private const int PerStepProjectionRows = 4;

    private readonly int _gateWidth = cell.GateCount * hidden;
    private float[] _inputProjection = [], _states = [], _cells = [], _gates = [], _extra = [];
    private float[] _inputProjectionGradient = [], _recurrentProjectionGradient = [];
    private float[] _stepInputs = [];
    private PartScratch[] _parts = [];

    /// <summary>Sub-steps of the last pass.</summary>
    public int Steps { get; private set; }

    /// <summary>Rows per sub-step of the last pass (d·B).</summary>
    public int Rows { get; private set; }

    /// <summary>Workers of the last pass; worker p owns rows p·⌈Rows/Parts⌉ onwards.</summary>
    public int Parts { get; private set; } = 1;

    /// <summary>Whether the last pass projects x_t per step into its worker's scratch.</summary>
    public bool ProjectPerStep { get; private set; }

    /// <summary>x_t W_xhᵀ + b, [steps, rows, G·H] (unless projected per step).</summary>
    public float[] InputProjection => _inputProjection;

    /// <summary>h, [steps + 1, rows, H]: slot 0 (forward) or slot steps (reverse) is h_0 = 0.</summary>
    public float[] States => _states;

    /// <summary>c (LSTM), laid out as <see cref="States"/>.</summary>
    public float[] Cells => _cells;

    /// <summary>The gate activations kept for backward, [steps, rows, G·H].</summary>
    public float[] Gates => _gates;

    /// <summary>The cell's one more [steps, rows, H] kept for backward (<see cref="CellStep.Extra"/>).</summary>
    public float[] Extra => _extra;

    /// <summary>∂L/∂(x_t W_xhᵀ + b_xh), [steps, rows, G·H].</summary>
    public float[] InputProjectionGradient => _inputProjectionGradient;

    /// <summary>∂L/∂(W_hh h + b_hh): the input projection's own gradient for cells that add the two.</summary>
    public float[] RecurrentProjectionGradient =>
        cell.AddsToInputProjection ? _inputProjectionGradient : _recurrentProjectionGradient;

    /// <summary>
    /// [x_t | h_{t-1}] of every step, [steps, rows, <see cref="StepInputWidth"/>], the columns past I + H zero (the
    /// forward writes them with each row): kept by a training pass that runs the one-product step
    /// (<see cref="KeepStepInputs"/>), so that the weight gradients are one product too.
    /// </summary>
    public float[] StepInputs => _stepInputs;

    /// <summary>The row width of <see cref="StepInputs"/>, or 0 when the last pass did not keep them.</summary>
    public int StepInputWidth { get; private set; }

    public PartScratch Part(int part) => _parts[part];

    /// <summary>The slot of h_t (and c_t) in <see cref="States"/>.</summary>
    public int Slot(int t) => reverse ? t : t + 1;

    /// <summary>The slot of the state step t reads: h_{t-1} forward, h_{t+1} in reverse.</summary>
    public int PreviousSlot(int t) => reverse ? t + 1 : t;

    /// <summary>
    /// Sizes every buffer for <paramref name="steps"/> sub-steps of <paramref name="rows"/> rows. A training pass
    /// projects per step only where <paramref name="trainingProjectsPerStep"/> says (where the step's product over
    /// [x_t | h_{t-1}] is one depth block: deeper, one product over all T·B rows runs the tiles longer).
    /// </summary>
    public void Allocate(int steps, int rows, int threads, bool training, bool trainingProjectsPerStep = false)
    {
        Steps = steps;
        Rows = rows;
        StepInputWidth = 0;
        var parts = KernelPlan.Active.RecurrentParts(rows, threads);
        ProjectPerStep = (!training || trainingProjectsPerStep) && rows / parts >= PerStepProjectionRows;
        if (!ProjectPerStep)
            Workspace.Ensure(ref _inputProjection, steps * rows * _gateWidth);
        Workspace.Ensure(ref _states, (steps + 1) * rows * hidden);
        if (training)
        {
            Workspace.Ensure(ref _gates, steps * rows * _gateWidth);
            Workspace.Ensure(ref _extra, steps * rows * hidden);
            Workspace.Ensure(ref _cells, (steps + 1) * rows * hidden);
            Workspace.Ensure(ref _inputProjectionGradient, steps * rows * _gateWidth);
            if (!cell.AddsToInputProjection)
                Workspace.Ensure(ref _recurrentProjectionGradient, steps * rows * _gateWidth);
        }
        if (_parts.Length < parts)
            Array.Resize(ref _parts, parts);
        var rowsPerPart = (rows + parts - 1) / parts;
        for (var p = 0; p < parts; p++)
        {
            _parts[p] ??= new PartScratch();
            _parts[p].Ensure(rowsPerPart, hidden, _gateWidth, training, !cell.AddsToInputProjection, ProjectPerStep);
        }
        Parts = parts;
    }

    /// <summary>
    /// Keeps <see cref="StepInputs"/> for this pass, rows <paramref name="width"/> wide (I + H rounded up to whole
    /// panels of the kernels: the padding is zeros, so the weight gradients' product runs no narrow column tail).
    /// </summary>
    public void KeepStepInputs(int width)
    {
        Workspace.Ensure(ref _stepInputs, Steps * Rows * width);
        StepInputWidth = width;
    }

    // Sequences are independent in time, so each worker runs the whole time loop for its own rows: one hand-off
    // per pass instead of one per step. A cancelled step (StepCancellation) stops every part; it reaches the caller
    // as one cancel (PartRunner).
    public void RunParts(Action<int, int, int> body)
    {
        int rows = Rows, parts = Parts;
        var rowsPerPart = (rows + parts - 1) / parts;
        if (parts == 1)
        {
            body(0, 0, rows);
            return;
        }
        PartRunner.Run(parts, part =>
        {
            var first = part * rowsPerPart;
            var count = Math.Min(rowsPerPart, rows - first);
            if (count > 0)
                body(part, first, count);
        }, PartRunner.Log is null ? null : body.Method.Name);
    }

    /// <summary>One worker's buffers, sized for its rows.</summary>
    internal sealed class PartScratch
    {
        public float[] RecurrentProjection = [], StateGradient = [], Carry = [], CellGradient = [], Scratch = [];

        /// <summary>One step's projection (when projected per step), and the buffers of inference, which keeps no
        /// history but h_t.</summary>
        public float[] InputProjection = [], Gates = [], Extra = [], Cells = [];

        /// <summary>[x_t | h_{t-1}] of one step, [rows, I + H], for the one-product step (grown by its user).</summary>
        public float[] StackedInput = [];

        public void Ensure(int rows, int hidden, int width, bool training, bool separateRecurrentProjection,
            bool projectPerStep)
        {
            if (separateRecurrentProjection)
                Workspace.Ensure(ref RecurrentProjection, rows * width);
            if (projectPerStep)
                Workspace.Ensure(ref InputProjection, rows * width);
            if (!training)
            {
                Workspace.Ensure(ref Gates, rows * width);
                Workspace.Ensure(ref Extra, rows * hidden);
                Workspace.Ensure(ref Cells, 2 * rows * hidden);
                return;
            }
            Workspace.Ensure(ref StateGradient, rows * hidden);
            Workspace.Ensure(ref Carry, rows * hidden);
            Workspace.Ensure(ref CellGradient, rows * hidden);
            Workspace.Ensure(ref Scratch, rows * hidden);
        }
    }
}
