using System.Numerics;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// The saturation of the last training forward pass, read from what it keeps for BPTT (the gates after their
/// non-linearities, the states h_t) over the valid steps only: the textbook mechanisms of vanishing (σ′ ≤ ¼ and
/// near 0 at a saturated gate, tanh′ near 0 at |h| near 1) measured on the live batch.
/// </summary>
internal sealed partial class RecurrentDirection
{
    /// <summary>A gate value within this of 0 or 1 counts as saturated.</summary>
    public const float GateMargin = 0.02f;

    /// <summary>A state with |h| above this counts as saturated (tanh′ = 1 − h² below 0.06).</summary>
    public const float StateLimit = 0.97f;

    /// <summary>
    /// Gate and tanh shares are counted over about this many rows of the batch (every k-th), which estimates them
    /// closely at a fraction of the cost of reading every gate of a large batch; dead ReLU units need every row.
    /// </summary>
    public const int SampledRows = 16;

    /// <summary>
    /// Writes, for each gate block in <paramref name="gates"/> (an index into the cell's gate order), the share of its
    /// values within <see cref="GateMargin"/> of 0 or 1, then for <paramref name="state"/> the share of states with
    /// |h| &gt; <see cref="StateLimit"/> or the share of units zero at every valid step of every row (dead ReLU
    /// units). NaN when the batch has no valid step. Skipping directions keep no gates for skipped steps: pass none.
    /// Gates and tanh states are counted on every k-th row, k = rows / <see cref="SampledRows"/> (every row of a batch
    /// of up to 31 rows); dead units on every row.
    /// </summary>
    public void MeasureSaturation(ReadOnlySpan<int> gates, StateSaturation state, Span<double> shares)
    {
        var b = _buffers;
        int steps = b.Steps, rows = b.Rows, hidden = Hidden, width = _gateWidth;
        var lengths = _layout.Lengths;
        Span<long> gateCounts = stackalloc long[gates.Length];
        long valid = 0, saturatedStates = 0;
        var alive = state == StateSaturation.DeadRelu ? new bool[hidden] : null;
        var stride = alive is null ? Math.Max(1, rows / SampledRows) : 1;
        for (var t = 0; t < steps; t++)
        {
            for (var row = 0; row < rows; row += stride)
            {
                if (t >= lengths[row])
                    continue;
                valid++;
                var at = t * rows + row;
                for (var k = 0; k < gates.Length; k++)
                    gateCounts[k] += CountOutside(b.Gates.AsSpan(at * width + gates[k] * hidden, hidden), GateMargin, 1 - GateMargin);
                var h = b.States.AsSpan((b.Slot(t) * rows + row) * hidden, hidden);
                if (state == StateSaturation.Tanh)
                    saturatedStates += CountOutside(h, -StateLimit, StateLimit);
                else if (alive is not null)
                {
                    for (var j = 0; j < hidden; j++)
                        alive[j] |= h[j] > 0;
                }
            }
        }
        double values = (double)valid * hidden;
        for (var k = 0; k < gates.Length; k++)
            shares[k] = valid > 0 ? gateCounts[k] / values : double.NaN;
        if (state == StateSaturation.Tanh)
            shares[gates.Length] = valid > 0 ? saturatedStates / values : double.NaN;
        else if (alive is not null)
            shares[gates.Length] = valid > 0 ? (double)alive.Count(a => !a) / hidden : double.NaN;
    }

    // How many values lie below `low` or above `high`.
    private static long CountOutside(ReadOnlySpan<float> values, float low, float high)
    {
        long count = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var lows = new Vector<float>(low);
            var highs = new Vector<float>(high);
            var counted = Vector<int>.Zero;
            for (; i + Vector<float>.Count <= values.Length; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values[i..]);
                // A true lane is all ones, -1 as an integer: subtracting counts it.
                counted -= Vector.BitwiseOr(Vector.LessThan(v, lows), Vector.GreaterThan(v, highs));
            }
            count = Vector.Sum(counted);
        }
        for (; i < values.Length; i++)
        {
            if (values[i] < low || values[i] > high)
                count++;
        }
        return count;
    }
}

/// <summary>What a direction's states say of saturation.</summary>
internal enum StateSaturation
{
    /// <summary>Nothing (a sigmoid Elman cell).</summary>
    None,

    /// <summary>The share of states with |h| above <see cref="RecurrentDirection.StateLimit"/>.</summary>
    Tanh,

    /// <summary>The share of ReLU units zero for the whole batch.</summary>
    DeadRelu,
}
