namespace Recurrent.Trainer.Layers;

/// <summary>
/// Truncated BPTT's window as BPTT meets it: per row, the sub-step whose incoming state is treated as a constant
/// (<see cref="DilatedLayout.Cuts"/>, −1 for a row the window does not cut). The forward direction's window is the
/// last k2 valid steps, the reverse direction's the first k2, so the carry leaving the window's oldest step (of each
/// sub-sequence, when dilated) stops.
/// </summary>
internal readonly struct TruncationWindow(int[] cuts, bool truncated)
{
    /// <summary>Whether some row is cut at all (false with full BPTT and for sequences within the window).</summary>
    public bool Truncated { get; } = truncated;

    /// <summary>Whether step <paramref name="t"/> of <paramref name="row"/> is the window's oldest: its edge from
    /// the step before comes from outside.</summary>
    public bool EntersAt(int row, int t) => t == cuts[row];

    /// <summary>Stops the gradients leaving step <paramref name="t"/> of the rows that enter the window there.</summary>
    public void Detach(int t, int first, int count, int hidden, Span<float> carry, Span<float> cellGradient)
    {
        for (var r = 0; r < count; r++)
        {
            if (EntersAt(first + r, t))
            {
                carry.Slice(r * hidden, hidden).Clear();
                cellGradient.Slice(r * hidden, hidden).Clear();
            }
        }
    }
}
