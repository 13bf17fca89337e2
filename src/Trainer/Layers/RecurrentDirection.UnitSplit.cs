using System.Diagnostics;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// Inference of a batch of one on two threads: the caller and one helper of the inference team each own half the
/// units of every gate block, compute those product columns (<see cref="Gemm.MultiplyUnitSlice"/>) and those units'
/// gates, c_t and h_t, with one wait per step (h_t whole before step t + 1 reads it). The bits are one thread's:
/// each unit's pre-activation is the same FMA chain and its gates the same element-wise operations.
/// </summary>
/// <remarks>
/// Covers the cells whose unit is independent of the others' within a step once the product is added: the LSTM and
/// the Elman cell (any activation). Not the GRU: its candidate needs the whole r ⊙ h_{t-1} before its product
/// (reset before the product, a second wait per step), and with the reset after the product its gate pass is
/// inside <see cref="GruCell.Forward"/> with the product (it would need a product-free entry there).
/// <para>
/// The helper's half is claimed per step. The caller runs half 0 straight into the pass's buffers; half 1 goes to
/// whichever claims it first. The helper computes a claimed half in its own scratch and publishes it (copies h_t's
/// and c_t's half into place) only if the caller has not taken it back: a caller that finishes half 0 and finds
/// half 1 claimed but not published within about its own half's time takes it back and runs it itself. So a helper
/// that is taken off its core never holds a step for longer than that, nor writes anything once it is late (it
/// reads buffers that may have moved on, and its result is then dropped). A helper waiting for the caller's step
/// spins for about two of the caller's halves, then yields its core (the caller may need it), and after 2 ms leaves
/// the rest of the pass to the caller.
/// </para>
/// </remarks>
internal sealed partial class RecurrentDirection
{
    // Hidden sizes from which a batch of one splits its units (a threshold measured on the Ice Lake Xeon, AVX-512
    // and AVX2 paths: docs/performance.md "Batch 1 on two cores, in the engine"); tests lower it per thread.
    internal const int UnitSplitMinimumHiddenDefault = 256;

    [ThreadStatic]
    private static int? t_unitSplitMinimumHidden;

    /// <summary>The calling thread's threshold (tests set it to split small models).</summary>
    internal static int UnitSplitMinimumHidden
    {
        get => t_unitSplitMinimumHidden ?? UnitSplitMinimumHiddenDefault;
        set => t_unitSplitMinimumHidden = value;
    }

    [ThreadStatic]
    private static bool t_unitSplitAlways;

    /// <summary>
    /// Whether the calling thread's passes split whenever they can, without the back-off (tests of bits under load,
    /// and the split experiment's "always" side).
    /// </summary>
    internal static bool UnitSplitAlways
    {
        get => t_unitSplitAlways;
        set => t_unitSplitAlways = value;
    }

    // When this direction's batch-1 passes split and when they back off to one thread (UnitSplitBackOff.cs).
    private readonly UnitSplitBackOff _splitBackOff = new();

    private static long s_unitSplitPasses, s_unitSplitBackedOff;

    /// <summary>Passes the back-off ran on one thread instead of splitting (the split experiment prints them).</summary>
    internal static long UnitSplitBackedOff => Interlocked.Read(ref s_unitSplitBackedOff);

    /// <summary>Passes this process ran as a unit split (tests).</summary>
    internal static long UnitSplitPasses => Interlocked.Read(ref s_unitSplitPasses);

    // How long the helper spins for the caller's step beyond the caller's time for both halves (its last half's
    // time, twice) before it leaves the pass to the caller: a caller taken off its core is not waited for.
    private static readonly long s_helperPatience = Stopwatch.Frequency / 50_000; // 20 µs
    private static readonly long s_helperGiveUp = Stopwatch.Frequency / 500; // 2 ms

    // Halves the helper published, halves the caller took back from it, halves the caller found open, and passes the
    // helper left to the caller (the split experiment prints them: how much the helper did).
    private static readonly long[] s_halves = new long[4];

    /// <summary>The counts of <see cref="s_halves"/>: published by the helper, taken back, found open, passes left.</summary>
    internal static long[] UnitSplitHalves => [.. Enumerable.Range(0, s_halves.Length).Select(i => Interlocked.Read(ref s_halves[i]))];

    // The caller's scratch for its half: [G, H/2] pre-activations and the cell's extra row.
    private float[] _splitZ = [], _splitExtra = [];

    // A helper thread's own scratch: its half's pre-activations, extra row, h and c, published by copy.
    [ThreadStatic]
    private static float[]? t_helperScratch;

    // One pass's claims of half 1 of each step; new for every pass, so a helper late from an older pass claims nothing
    // of this one.
    private sealed class SplitPass(int steps)
    {
        public const int Open = 0, Claimed = 1, Publishing = 2, Published = 3, TakenBack = 4;
        public readonly int[] Half = new int[steps];
        public int Completed; // steps whose two halves are in place
        public long HalfTicks; // the caller's time for its last half (Stopwatch ticks)
        public volatile bool Finished;
    }

    // Whether this inference pass can run as a unit split: one row, one thread's worth of parts, a cell that adds the
    // recurrent product onto x_t's projection, projected for all steps up front (the batch-1 path), no skip gates,
    // a team to hand off to and hidden units enough.
    private bool UnitSplitApplies(bool training, int threads) =>
        !training && threads > 1 && _buffers.Rows == 1 && _buffers.Parts == 1 && !_buffers.ProjectPerStep
        && _skip is null && (_cell is LstmCell || _cell is ElmanCell) && Hidden >= Math.Max(2, UnitSplitMinimumHidden)
        && StepWorkers.Current is not null;

    // Runs the pass's time loop as a unit split; false (nothing run) when the team is busy or the back-off says the
    // helper has not been keeping up.
    private bool TryForwardUnitSplit(int[] lengths, float[]? initialCell)
    {
        var always = UnitSplitAlways;
        if (!always && !_splitBackOff.ShouldSplit())
        {
            Interlocked.Increment(ref s_unitSplitBackedOff);
            return false;
        }
        var team = StepWorkers.Current!;
        var pass = new SplitPass(_buffers.Steps);
        // c_0 in place before the helper may start (it reads c_{t-1} of its first step without waiting).
        SetOrClear(initialCell, _buffers.Part(0).Cells.AsSpan(0, Hidden));
        var started = team.TryRunAlongside(() => SplitCaller(pass, lengths), () => SplitHelper(pass, lengths));
        if (!started)
            return false;
        Interlocked.Increment(ref s_unitSplitPasses);
        if (!always)
        {
            // The caller has run every step, so no half is claimed or publishing any more: the helper's share is final.
            var published = 0;
            foreach (var state in pass.Half)
                published += state == SplitPass.Published ? 1 : 0;
            _splitBackOff.Record(published, pass.Half.Length);
        }
        return true;
    }

    private void SplitCaller(SplitPass pass, int[] lengths)
    {
        var b = _buffers;
        int steps = b.Steps, hidden = Hidden, half = hidden / 2, rest = hidden - half;
        var cells = b.Part(0).Cells;
        var z = Workspace.Ensure(ref _splitZ, _cell.GateCount * rest);
        var extra = Workspace.Ensure(ref _splitExtra, rest);
        try
        {
            for (var i = 0; i < steps; i++)
            {
                _cancellation.ThrowIfCancellationRequested();
                var start = Stopwatch.GetTimestamp();
                Half(0, i, lengths, z, extra, cells, default, default);
                var own = Stopwatch.GetTimestamp() - start;
                Volatile.Write(ref pass.HalfTicks, own);
                var patience = own + Stopwatch.Frequency / 500_000; // its own half's time + 2 µs
                var state = Volatile.Read(ref pass.Half[i]);
                if (state == SplitPass.Open)
                    state = Interlocked.CompareExchange(ref pass.Half[i], SplitPass.TakenBack, SplitPass.Open);
                if (state == SplitPass.Open)
                {
                    Interlocked.Increment(ref s_halves[2]);
                    Half(1, i, lengths, z, extra, cells, default, default);
                }
                else
                {
                    var giveUp = Stopwatch.GetTimestamp() + patience;
                    while ((state = Volatile.Read(ref pass.Half[i])) == SplitPass.Claimed && Stopwatch.GetTimestamp() < giveUp)
                        Thread.SpinWait(20);
                    if (state == SplitPass.Claimed
                        && Interlocked.CompareExchange(ref pass.Half[i], SplitPass.TakenBack, SplitPass.Claimed) == SplitPass.Claimed)
                    {
                        Interlocked.Increment(ref s_halves[1]);
                        Half(1, i, lengths, z, extra, cells, default, default);
                    }
                    else
                        while (Volatile.Read(ref pass.Half[i]) == SplitPass.Publishing)
                            Thread.SpinWait(20);
                }
                Volatile.Write(ref pass.Completed, i + 1);
            }
        }
        finally
        {
            // A pass that stops early (a cancel) leaves no claim open: the helper may publish into these buffers only
            // while the caller waits for it, never after the caller has returned.
            pass.Finished = true;
            var next = Volatile.Read(ref pass.Completed);
            if (next < steps)
            {
                Interlocked.CompareExchange(ref pass.Half[next], SplitPass.TakenBack, SplitPass.Open);
                Interlocked.CompareExchange(ref pass.Half[next], SplitPass.TakenBack, SplitPass.Claimed);
                while (Volatile.Read(ref pass.Half[next]) == SplitPass.Publishing)
                    Thread.SpinWait(20);
            }
        }
    }

    private void SplitHelper(SplitPass pass, int[] lengths)
    {
        int steps = pass.Half.Length, hidden = Hidden, rest = hidden - hidden / 2, gates = _cell.GateCount;
        t_helperScratch ??= [];
        var scratch = Workspace.Ensure(ref t_helperScratch, (gates + 3) * rest);
        var z = scratch.AsSpan(0, gates * rest);
        var extra = scratch.AsSpan(gates * rest, rest);
        var state = scratch.AsSpan((gates + 1) * rest, rest);
        var cell = scratch.AsSpan((gates + 2) * rest, rest);
        var cells = _buffers.Part(0).Cells;
        long ownTicks = 0; // this helper's time for its last half
        for (var i = Volatile.Read(ref pass.Completed); i < steps && !pass.Finished; i++)
        {
            // h_{t-1} whole: the caller's half of the step before (and this helper's, if it published it).
            // Spinning for about the caller's two halves, then yielding the core (the caller may be waiting for one);
            // after a few milliseconds without the step, the caller is off its core for long: the pass is its own.
            var now = Stopwatch.GetTimestamp();
            var yieldAfter = now + 2 * Math.Max(Volatile.Read(ref pass.HalfTicks), ownTicks) + s_helperPatience;
            var giveUp = now + s_helperGiveUp;
            while (Volatile.Read(ref pass.Completed) < i && !pass.Finished)
            {
                now = Stopwatch.GetTimestamp();
                if (now > giveUp)
                {
                    Interlocked.Increment(ref s_halves[3]);
                    return;
                }
                if (now < yieldAfter)
                    Thread.SpinWait(20);
                else
                    Thread.Yield();
            }
            if (Interlocked.CompareExchange(ref pass.Half[i], SplitPass.Claimed, SplitPass.Open) != SplitPass.Open)
                continue;
            var start = Stopwatch.GetTimestamp();
            try
            {
                Half(1, i, lengths, z, extra, cells, state, cell);
            }
            catch (Exception) when (Volatile.Read(ref pass.Half[i]) == SplitPass.TakenBack || pass.Finished)
            {
                // It read buffers of a later step (or pass) after the caller took the half back: nothing to publish.
                continue;
            }
            ownTicks = Stopwatch.GetTimestamp() - start;
            if (Interlocked.CompareExchange(ref pass.Half[i], SplitPass.Publishing, SplitPass.Claimed) != SplitPass.Claimed)
                continue;
            var (t, write) = Place(i);
            state[..rest].CopyTo(_buffers.States.AsSpan(t + hidden / 2, rest));
            if (_cell.HasCellState)
                cell[..rest].CopyTo(cells.AsSpan(write + hidden / 2, rest));
            Volatile.Write(ref pass.Half[i], SplitPass.Published);
            Interlocked.Increment(ref s_halves[0]);
        }
    }

    // Where step i's h_t starts in States, and its cell in the pass's two alternating cells.
    private (int State, int Cell) Place(int i)
    {
        var t = Reverse ? _buffers.Steps - 1 - i : i;
        return (_buffers.Slot(t) * Hidden, (i + 1) % 2 * Hidden);
    }

    // Half k of step i: units k·⌊H/2⌋ onwards (the rest for k = 1). Its product columns onto x_t's projection (bias
    // and x terms already in it), then its gates, c_t and h_t: into the pass's buffers, or into `ownState` and
    // `ownCell` (a helper's scratch) when given.
    private void Half(int k, int i, int[] lengths, Span<float> z, Span<float> extra, float[] cells, Span<float> ownState,
        Span<float> ownCell)
    {
        var b = _buffers;
        int hidden = Hidden, first = k * (hidden / 2), count = k == 0 ? hidden / 2 : hidden - hidden / 2;
        int gates = _cell.GateCount, width = _gateWidth;
        var t = Reverse ? b.Steps - 1 - i : i;
        var projection = b.InputProjection.AsSpan(t * width, width);
        for (var g = 0; g < gates; g++)
            projection.Slice(g * hidden + first, count).CopyTo(z.Slice(g * count, count));
        var previous = b.States.AsSpan(b.PreviousSlot(t) * hidden, hidden);
        Gemm.MultiplyUnitSlice(previous, _recurrentWeightsT, first, count, z, descending: i % 2 == 1);
        var state = ownState.IsEmpty ? b.States.AsSpan(b.Slot(t) * hidden + first, count) : ownState[..count];
        var cell = ownCell.IsEmpty ? cells.AsSpan((i + 1) % 2 * hidden + first, count) : ownCell[..count];
        var step = new CellStep
        {
            Rows = 1,
            Hidden = count,
            Inference = true,
            RecurrentProductAdded = true,
            InputProjection = z[..(gates * count)],
            PreviousCell = cells.AsSpan(i % 2 * hidden + first, count),
            Cell = cell,
            Extra = extra[..count],
            State = state,
        };
        _cell.Forward(ref step);
        // A sequence that has ended by step t has a zero state and cell there (as ForwardRows' ClearEnded).
        if (t >= lengths[0])
        {
            state.Clear();
            cell.Clear();
        }
    }
}
