namespace Recurrent.Trainer.Layers;

/// <summary>
/// How a direction of dilation d sees a time-major batch of T steps and B sequences: ⌈T/d⌉ sub-steps of d·B rows,
/// row k·B + b at sub-step τ being step t = τ·d + k of sequence b. Keeps each row's sub-sequence length and where
/// truncated BPTT detaches the incoming state: at one sub-step per row (a window of the last k2 steps), or at every
/// edge that crosses a segment boundary (segments of k steps, for per-step losses). With d = 1 rows are sequences
/// and sub-steps are steps.
/// </summary>
internal sealed class DilatedLayout(int dilation, bool reverse)
{
    private int[] _lengths = [], _cuts = [], _sequenceLengths = [];
    private int _sequences;

    // Segments of this many steps from each sequence's start (per-step losses), or null for one window per row.
    private int? _segment;

    public int Dilation { get; } = dilation >= 1 ? dilation : throw new ArgumentOutOfRangeException(nameof(dilation));

    /// <summary>⌈T/d⌉.</summary>
    public int Steps { get; private set; }

    /// <summary>d·B.</summary>
    public int Rows { get; private set; }

    /// <summary>Valid sub-steps of each row: how many t = τ·d + k lie below the sequence's length.</summary>
    public int[] Lengths => _lengths;

    /// <summary>Per row, the sub-step whose incoming recurrent gradient truncation stops, or −1.</summary>
    public int[] Cuts => _cuts;

    /// <summary>Whether the last <see cref="SetTruncation"/> set a window shorter than some sequence.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Lays out T steps of B sequences with the given lengths.</summary>
    public void Arrange(int steps, int sequences, int[] lengths)
    {
        int d = Dilation;
        _sequences = sequences;
        Steps = (steps + d - 1) / d;
        Rows = d * sequences;
        if (_lengths.Length != Rows)
        {
            _lengths = new int[Rows];
            _cuts = new int[Rows];
        }
        if (_sequenceLengths.Length != sequences)
            _sequenceLengths = new int[sequences];
        Array.Copy(lengths, _sequenceLengths, sequences);
        for (var k = 0; k < d; k++)
        {
            for (var b = 0; b < sequences; b++)
                _lengths[k * sequences + b] = SubLength(lengths[b], k);
        }
    }

    /// <summary>Sub-step and row of step t of sequence b.</summary>
    public (int Step, int Row) Locate(int t, int b) => (t / Dilation, t % Dilation * _sequences + b);

    /// <summary>
    /// The cuts of a window of k2 steps (null: full BPTT): forward the last k2 valid steps of each sequence, reverse
    /// the first k2; each sub-sequence is cut at its oldest step inside the window, as the edge into it comes from
    /// outside. A sequence no longer than the window is not cut.
    /// </summary>
    public void SetTruncation(int? window)
    {
        Array.Fill(_cuts, -1);
        Truncated = false;
        _segment = null;
        if (window is not int k2)
            return;
        int d = Dilation;
        for (var k = 0; k < d; k++)
        {
            for (var b = 0; b < _sequences; b++)
            {
                var length = _sequenceLengths[b];
                if (k2 >= length)
                    continue;
                var row = k * _sequences + b;
                int cut;
                if (reverse)
                    cut = k2 - 1 < k ? -1 : Math.Min(_lengths[row] - 1, (k2 - 1 - k) / d);
                else
                    cut = SubLength(length - k2, k);
                _cuts[row] = cut < _lengths[row] ? cut : -1;
                Truncated = true;
            }
        }
    }

    /// <summary>
    /// Segments of k steps from each sequence's start (null: full BPTT): every recurrent edge whose two steps lie in
    /// different segments is cut, forward and in reverse, so BPTT runs within each segment. A sequence no longer than
    /// k is not cut.
    /// </summary>
    public void SetSegments(int? segment)
    {
        Array.Fill(_cuts, -1);
        _segment = segment;
        Truncated = false;
        if (segment is not int k)
            return;
        for (var b = 0; b < _sequences; b++)
            Truncated |= _sequenceLengths[b] > k;
    }

    /// <summary>Whether the recurrent edge into sub-step <paramref name="step"/> of <paramref name="row"/> is cut.</summary>
    public bool CutsEdgeInto(int row, int step)
    {
        if (_segment is not int k)
            return step == _cuts[row];
        int d = Dilation, t = step * d + row / _sequences;
        var from = reverse ? t + d : t - d;
        return from >= 0 && from / k != t / k;
    }

    // ⌈(length − k)/d⌉: the sub-steps τ with τ·d + k < length, which is also the first τ with τ·d + k ≥ length.
    private int SubLength(int length, int k) => length > k ? (length - k + Dilation - 1) / Dilation : 0;
}
