using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Kernels;

/// <summary>
/// The LSTM inference step computed tile by tile (<see cref="LstmGateTile"/>) must give the bits of the step it
/// replaces: the bias, one product over [x_t | h_{t-1}] with [W_xhᵀ ; W_hhᵀ], then the gate pass
/// (<see cref="LstmCell.Activate"/>), for rows that no tile divides, H that no vector divides, I = 1, every register
/// tile of the plans and both vector widths (the 512-bit one emulated in software where the CPU lacks it).
/// </summary>
public class LstmGateTileTests
{
    public static TheoryData<int, int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int, int>();
        // rows, I, H, tile rows of the plan, units per block (8: 256-bit vectors, 16: 512-bit)
        foreach (var (rows, inputs, hidden) in new[] { (4, 1, 1), (5, 3, 8), (7, 1, 20), (13, 28, 37), (64, 28, 128),
                     (65, 6, 24), (9, 40, 17) })
        {
            foreach (var tileRows in new[] { 4, 6, 8 })
                data.Add(rows, inputs, hidden, tileRows, 8);
            data.Add(rows, inputs, hidden, 8, 16);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gives_the_product_then_gate_pass_bits(int rows, int inputs, int hidden, int tileRows, int units)
    {
        var (h, c) = Tiles(rows, inputs, hidden, tileRows, units, withBias: true, out var expectedH, out var expectedC);
        Assert.Equal(expectedH, h);
        Assert.Equal(expectedC, c);
    }

    // Deeper than the plan's depth block, each block's tiles keep partial sums over one depth block at a time; the
    // blocks' edges fall inside x_t's terms, at its end and inside h_{t-1}'s.
    [Theory]
    [InlineData(13, 28, 37, 6, 8, 16)]
    [InlineData(64, 28, 128, 6, 8, 28)]
    [InlineData(9, 40, 17, 4, 8, 64)]
    [InlineData(7, 1, 20, 8, 16, 16)]
    public void Gives_the_same_bits_in_depth_blocks(int rows, int inputs, int hidden, int tileRows, int units, int depthBlock)
    {
        var (h, c) = Tiles(rows, inputs, hidden, tileRows, units, withBias: true, out var expectedH, out var expectedC,
            depthBlock);
        Assert.Equal(expectedH, h);
        Assert.Equal(expectedC, c);
    }

    // The all-register tiles of 512-bit blocks (6 and 4 rows, all four gates) and the buffered pair tiles: every mix
    // of 6- and 4-row tiles and a last tile over rows already computed, a last block narrower than a vector, and
    // depth blocks (the plan's depth block halved) ending inside x_t's terms, at its end and inside h_{t-1}'s.
    [Theory]
    [InlineData(4, 28, 32, 0)]
    [InlineData(5, 3, 16, 0)]
    [InlineData(7, 1, 20, 0)]
    [InlineData(9, 40, 17, 0)]
    [InlineData(10, 28, 48, 0)]
    [InlineData(13, 28, 37, 0)]
    [InlineData(32, 28, 128, 0)]
    [InlineData(33, 6, 24, 0)]
    [InlineData(64, 28, 128, 0)]
    [InlineData(13, 28, 37, 32)]
    [InlineData(32, 40, 33, 64)]
    [InlineData(7, 1, 20, 16)]
    public void Register_tiles_give_the_product_then_gate_pass_bits(int rows, int inputs, int hidden, int depthBlock)
    {
        foreach (var registers in new[] { true, false })
        {
            var (h, c) = Tiles(rows, inputs, hidden, 8, 16, withBias: true, out var expectedH, out var expectedC,
                depthBlock, registers);
            Assert.Equal(expectedH, h);
            Assert.Equal(expectedC, c);
        }
    }

    [Fact]
    public void Gives_the_same_bits_without_a_bias()
    {
        var (h, c) = Tiles(11, 5, 21, 6, 8, withBias: false, out var expectedH, out var expectedC);
        Assert.Equal(expectedH, h);
        Assert.Equal(expectedC, c);
    }

    [Fact]
    public void Refuses_fewer_rows_than_a_tile_and_outputs_that_overlap_inputs()
    {
        var panels = new PackedGatePanels(2, 8, 8);
        var x = new float[3 * 2];
        float[] h = new float[4 * 8], c = new float[4 * 8], hOut = new float[4 * 8], cOut = new float[4 * 8];
        var few = Assert.Throws<ArgumentOutOfRangeException>(() => LstmGateTile.Step(panels, x, 2, h, c, hOut, cOut, 3));
        Assert.Contains("4 rows or more", few.Message);
        var overlap = Assert.Throws<ArgumentException>(() =>
            LstmGateTile.Step(panels, new float[4 * 2], 2, h, c, h, cOut, 4));
        Assert.Contains("must not overlap", overlap.Message);
    }

    // The tile step's h_t and c_t, and the old step's as `expected…`, from random weights, bias, x_t, h_{t-1} and
    // c_{t-1} scaled so that gates saturate as well as sit near zero.
    private static (float[] H, float[] C) Tiles(int rows, int inputs, int hidden, int tileRows, int units, bool withBias,
        out float[] expectedH, out float[] expectedC, int depthBlock = 0, bool registers = true)
    {
        int width = 4 * hidden, depth = inputs + hidden;
        var wx = KernelData.Random(width * inputs, 1).Select(v => 2 * v).ToArray();
        var wh = KernelData.Random(width * hidden, 2);
        var bias = withBias ? KernelData.Random(width, 3) : [];
        // x_t with a row stride wider than I, as a strided input view has.
        var inputStride = inputs + 3;
        var x = KernelData.Random(rows * inputStride, 4);
        var previousState = KernelData.Random(rows * hidden, 5);
        var previousCell = KernelData.Random(rows * hidden, 6).Select(v => 4 * v).ToArray();

        var stacked = new PackedMatrix(depth, width, hidden);
        stacked.PackTransposeOf(wx, 0, inputs);
        stacked.PackTransposeOf(wh, inputs, hidden);
        var z = new float[rows * width];
        var a = new float[rows * depth];
        for (var r = 0; r < rows; r++)
        {
            if (withBias)
                bias.CopyTo(z, r * width);
            x.AsSpan(r * inputStride, inputs).CopyTo(a.AsSpan(r * depth));
            previousState.AsSpan(r * hidden, hidden).CopyTo(a.AsSpan(r * depth + inputs));
        }
        Gemm.Multiply(MatrixView.RowMajor(a, rows, depth), stacked, new MatrixSpan(z, rows, width), accumulate: true);
        expectedH = new float[rows * hidden];
        expectedC = new float[rows * hidden];
        var step = new CellStep
        {
            Inference = true,
            Rows = rows,
            Hidden = hidden,
            InputProjection = z,
            Gates = z,
            PreviousCell = previousCell,
            Cell = expectedC,
            State = expectedH,
            Extra = new float[rows * hidden],
        };
        LstmCell.Activate(ref step);

        var panels = new PackedGatePanels(inputs, hidden, units);
        panels.Pack(wx, wh, bias);
        // Outputs one element into their arrays and followed by sentinels: nothing is written outside them.
        var h = Enumerable.Repeat(7f, rows * hidden + 2).ToArray();
        var c = Enumerable.Repeat(7f, rows * hidden + 2).ToArray();
        var plan = KernelPlan.Detected with { TileRows = tileRows, LstmRegisterTiles = registers };
        using (KernelPlan.Use(depthBlock > 0 ? plan with { DepthBlock = depthBlock } : plan))
            LstmGateTile.Step(panels, x, inputStride, previousState, previousCell, h.AsSpan(1, rows * hidden),
                c.AsSpan(1, rows * hidden), rows);
        Assert.Equal(7f, h[0]);
        Assert.Equal(7f, h[^1]);
        Assert.Equal(7f, c[0]);
        Assert.Equal(7f, c[^1]);
        return (h[1..^1], c[1..^1]);
    }
}
