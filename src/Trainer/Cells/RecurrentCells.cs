using Microsoft.ML;
namespace Recurrent.Trainer.Cells;

/// <summary>The cell a <see cref="RecurrentCellKind"/> names: the one place outside a cell's own file that knows it.</summary>
internal static class RecurrentCells
{
    public static IRecurrentCell Create(RecurrentCellKind kind, RecurrentActivation activation, bool gruLinearBeforeReset) => kind switch
    {
        RecurrentCellKind.Lstm => new LstmCell(),
        RecurrentCellKind.Gru => new GruCell(gruLinearBeforeReset),
        _ => new ElmanCell(activation),
    };
}
