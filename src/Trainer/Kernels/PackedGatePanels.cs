namespace Recurrent.Trainer.Kernels;

/// <summary>
/// An LSTM's [W_xhᵀ ; W_hhᵀ] and bias packed for <see cref="LstmGateTile"/>: the hidden units in blocks of
/// <see cref="Units"/> (one vector of the machine's width), each block holding the four gates of its units side by
/// side, so one register tile's pre-activations are everything its units' c_t and h_t need. A block is two panels,
/// each <see cref="Depth"/> rows of 2·Units columns back to back (the register tiles' two vectors): gates i and o,
/// then f and g (the ONNX order i, o, f, c). Rows 0..I−1 are W_xhᵀ's, then W_hhᵀ's, so a tile walks x_t's terms then
/// h_{t-1}'s, k ascending, as the training product does. A last block of fewer than Units units is padded with zero
/// weights and bias: its padding lanes compute σ(0) and tanh(0) and are never stored.
/// </summary>
internal sealed class PackedGatePanels
{
    /// <param name="inputs">I.</param>
    /// <param name="hidden">H.</param>
    /// <param name="units">Units per block: 8 for 256-bit vectors, 16 for 512-bit ones.</param>
    public PackedGatePanels(int inputs, int hidden, int units)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        if (units is not (8 or 16))
            throw new ArgumentOutOfRangeException(nameof(units), units, "A block is 8 or 16 units (one vector).");
        Inputs = inputs;
        Hidden = hidden;
        Units = units;
        Blocks = (hidden + units - 1) / units;
        // Pinned, so the panels can start on a cache line (see PackedMatrix).
        Data = CacheLine.Allocate(Blocks * BlockLength);
        Origin = CacheLine.Origin(Data);
        Bias = new float[Blocks * 4 * units];
    }

    public int Inputs { get; }

    public int Hidden { get; }

    /// <summary>Units per block: the vector width in floats.</summary>
    public int Units { get; }

    public int Blocks { get; }

    /// <summary>K = I + H, the rows of each panel.</summary>
    public int Depth => Inputs + Hidden;

    /// <summary>Floats per block: two panels of Depth × 2·Units.</summary>
    public int BlockLength => 4 * Units * Depth;

    /// <summary>The blocks from <see cref="Origin"/> on.</summary>
    public float[] Data { get; }

    /// <summary>Where the first block starts in <see cref="Data"/>: the first element on a cache line.</summary>
    public int Origin { get; }

    /// <summary>The first element of <paramref name="block"/>'s panels (counting in <see cref="Origin"/>).</summary>
    public ref float Block(int block) => ref Data[Origin + block * BlockLength];

    /// <summary>Per block, 4·Units floats: the bias of i, o, f and g for its units (zeros past H).</summary>
    public float[] Bias { get; }

    /// <summary>
    /// Packs W_xh [4H, I] and W_hh [4H, H] (row-major, the ONNX layout, gate blocks i, o, f, c of H rows) and the bias
    /// b [4H] the projection starts from (b_xh + b_hh; empty: none).
    /// </summary>
    public void Pack(ReadOnlySpan<float> inputWeights, ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> bias)
    {
        int inputs = Inputs, hidden = Hidden, units = Units, depth = Depth;
        if (inputWeights.Length < 4 * hidden * inputs || recurrentWeights.Length < 4 * hidden * hidden)
            throw new ArgumentException($"W_xh needs {4 * hidden * inputs} and W_hh {4 * hidden * hidden} elements.");
        if (!bias.IsEmpty && bias.Length < 4 * hidden)
            throw new ArgumentException($"The bias needs {4 * hidden} elements but has {bias.Length}.", nameof(bias));
        Array.Clear(Data);
        Array.Clear(Bias);
        for (var block = 0; block < Blocks; block++)
        {
            var first = block * units;
            var count = Math.Min(units, hidden - first);
            for (var gate = 0; gate < 4; gate++)
            {
                // Gates i and o fill the block's first panel, f and g its second; within a panel's row, the first of
                // the pair takes columns 0..Units−1.
                var panel = Data.AsSpan(Origin + block * BlockLength + gate / 2 * 2 * units * depth, 2 * units * depth);
                var column = gate % 2 * units;
                for (var u = 0; u < count; u++)
                {
                    var row = gate * hidden + first + u;
                    var x = inputWeights.Slice(row * inputs, inputs);
                    var h = recurrentWeights.Slice(row * hidden, hidden);
                    for (var k = 0; k < inputs; k++)
                        panel[k * 2 * units + column + u] = x[k];
                    for (var k = 0; k < hidden; k++)
                        panel[(inputs + k) * 2 * units + column + u] = h[k];
                    if (!bias.IsEmpty)
                        Bias[block * 4 * units + gate * units + u] = bias[row];
                }
            }
        }
    }
}
