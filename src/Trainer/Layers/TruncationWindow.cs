namespace Recurrent.Trainer.Layers;

/// <summary>
/// Truncated BPTT's cut as BPTT meets it (<see cref="DilatedLayout.CutsEdgeInto"/>): per row, the sub-steps whose
/// incoming state is treated as a constant. For a per-sequence loss that is the oldest step of the window (forward
/// the last k2 valid steps, reverse the first k2); for per-step losses every edge between two segments of k steps.
/// The carry leaving such a step stops.
/// </summary>
internal readonly struct TruncationWindow(DilatedLayout layout)
{
    /// <summary>Whether some row is cut at all (false with full BPTT and for sequences within the window).</summary>
    public bool Truncated { get; } = layout.Truncated;

    /// <summary>Whether the edge into step <paramref name="t"/> of <paramref name="row"/> comes from outside the
    /// window (or segment) <paramref name="t"/> is in.</summary>
    public bool EntersAt(int row, int t) => Truncated && layout.CutsEdgeInto(row, t);

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
