using System.Runtime.InteropServices;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Tests.Kernels;

/// <summary>
/// Where a packed matrix's panels (and the LSTM's gate panels) lie: on a cache line (512-bit loads would otherwise
/// each straddle two), whatever the shape, with the panels holding Wᵀ's elements in the packing's order.
/// </summary>
public class PackedMatrixTests
{
    [Theory]
    [InlineData(1, 1, 1, 16)]
    [InlineData(28, 512, 128, 32)]
    [InlineData(128, 512, 128, 16)]
    [InlineData(7, 51, 17, 32)]
    public void Panels_start_on_a_cache_line_and_hold_the_transpose(int rows, int columns, int blockWidth,
        int panelWidth)
    {
        // Several matrices, so an array that happens to start on a line does not pass alone.
        for (var copy = 0; copy < 8; copy++)
        {
            var packed = new PackedMatrix(rows, columns, blockWidth, panelWidth);
            var w = KernelData.Random(rows * columns, (ulong)copy + 1);
            packed.PackTransposeOf(w);
            // The array is on the pinned heap, so its address holds.
            Assert.Equal(0, (long)Marshal.UnsafeAddrOfPinnedArrayElement(packed.Data, packed.Origin) % 64);
            Assert.Equal(packed.Origin, packed.PanelOffset(0));
            for (var j = 0; j < columns; j++)
            {
                var panel = j - (j % blockWidth) + (j % blockWidth) / panelWidth * panelWidth;
                var width = packed.PanelWidthAt(panel);
                for (var k = 0; k < rows; k++)
                    Assert.Equal(w[j * rows + k], packed.Data[packed.PanelOffset(panel) + k * width + j - panel]);
            }
        }
    }

    [Theory]
    [InlineData(28, 128, 16)]
    [InlineData(3, 9, 8)]
    public void Gate_panels_start_on_a_cache_line(int inputs, int hidden, int units)
    {
        for (var copy = 0; copy < 8; copy++)
        {
            var panels = new PackedGatePanels(inputs, hidden, units);
            Assert.Equal(0, (long)Marshal.UnsafeAddrOfPinnedArrayElement(panels.Data, panels.Origin) % 64);
        }
    }
}
