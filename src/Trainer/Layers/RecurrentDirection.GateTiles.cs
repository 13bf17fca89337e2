using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// The LSTM's inference step with its gates computed tile by tile from the product (<see cref="LstmGateTile"/>):
/// h_t and c_t straight from x_t, h_{t-1} and c_{t-1}, with the bits of the product-then-gates step.
/// </summary>
internal sealed partial class RecurrentDirection
{
    // [W_xhᵀ ; W_hhᵀ] and b_xh + b_hh in blocks of a vector's units with their four gates side by side; made on the
    // first inference pass that runs the gate tiles, again when the weights or the vector width change.
    private PackedGatePanels? _gatePanels;
    private long _gatePanelsVersion = -1;

    // Whether this inference pass runs every step as gate tiles: an LSTM whose steps are one product over
    // [x_t | h_{t-1}] (stacked), every row of every step an input row (no dilated padding), no skip gates (their steps
    // gather the updating rows and multiply those alone), and every worker at least one four-row tile (fewer rows go
    // through the padded product). Packs the panels when it does.
    private bool UsesGateTiles(bool training, bool stacked, int rows, long weightVersion)
    {
        if (training || !stacked || _skip is not null || _cell is not LstmCell || !KernelPlan.Active.FusedLstmInference
            || _input.Rows != rows || _input.ColumnStride != 1
            || FewestRowsPerPart() < LstmGateTile.MinimumRows)
            return false;
        var units = VectorWidth.Use512 ? 16 : 8;
        if (_gatePanels is null || _gatePanels.Units != units)
        {
            _gatePanels = new PackedGatePanels(InputSize, Hidden, units);
            _gatePanelsVersion = -1;
        }
        if (weightVersion != _gatePanelsVersion)
        {
            _gatePanels.Pack(InputWeights.Value, RecurrentWeights.Value, InputBias is null ? default : _projectionBias);
            _gatePanelsVersion = weightVersion;
        }
        return true;
    }

    // The rows of the smallest non-empty worker (DirectionBuffers.RunParts' split).
    private int FewestRowsPerPart()
    {
        int batch = _buffers.Rows, parts = _buffers.Parts, perPart = (batch + parts - 1) / parts;
        var fewest = batch;
        for (var p = 0; p < parts; p++)
        {
            var count = Math.Min(perPart, batch - p * perPart);
            if (count > 0)
                fewest = Math.Min(fewest, count);
        }
        return fewest;
    }

    // Step t of one worker's rows from `first`: h_t and c_t from x_t, h_{t-1} and c_{t-1}.
    private void GateTileStep(int t, int first, int count, ReadOnlySpan<float> previousState,
        ReadOnlySpan<float> previousCell, Span<float> state, Span<float> cell)
    {
        var input = _input.RowRange(t * _buffers.Rows + first, count);
        LstmGateTile.Step(_gatePanels!, input.Data.AsSpan(input.Offset), input.RowStride, previousState, previousCell,
            state, cell, count);
    }
}
