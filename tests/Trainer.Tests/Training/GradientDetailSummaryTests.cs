using Recurrent.Diagnostics;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

/// <summary>The few words the epoch lines (command line, ML.NET's log) give a record's detail.</summary>
public sealed class GradientDetailSummaryTests
{
    [Fact]
    public void A_detailed_record_names_its_weakest_path_most_saturated_unit_and_update_ratios()
    {
        var record = new GradientRecord(9, 1, 0.5, 1, false, false, -2, 10, [])
        {
            UpdateShares = [0.5, 0.25],
            Paths = [new PathFigures("0", "forward", -2, 10, []), new PathFigures("1", "reverse", -6.04, 1, []),
                new PathFigures("1", "forward", null, null, [])],
            Saturation = [new SaturationFigure("0", "forward", "f", 0.5), new SaturationFigure("1", "reverse", "tanh", 0.125),
                new SaturationFigure("1", "forward", "i", double.NaN)],
            Blocks = [new BlockFigures("0", "forward", "W_hh", "f", 1, 2, 2e-3), new BlockFigures("0", "forward", "b", "i", 1, 0, null),
                new BlockFigures("head", "forward", "W_hy", "y", 1, 2, 5e-2), new BlockFigures("0", "forward", "W_xh", "f", 1, 2, 1e-4)],
        };

        Assert.Equal("updated 38% of steps, weakest path layer 1 reverse V 10^-6.0, most saturated f (layer 0 forward) 50.0%, " +
            "update/weight median 2.0e-3 max 5.0e-2 (W_hy y, layer head forward)", GradientDetailSummary.Describe(record));
        Assert.Equal("", GradientDetailSummary.Describe(new GradientRecord(9, 1, 0.5, 1, false, false, -2, 10, [])));
        var calm = new GradientRecord(9, 1, 0.5, 1, false, false, -2, 10, [])
        {
            Saturation = [new SaturationFigure("0", "forward", "f", 0), new SaturationFigure("0", "forward", "tanh", 0)],
        };
        Assert.Equal("nothing saturated", GradientDetailSummary.Describe(calm));
    }
}
