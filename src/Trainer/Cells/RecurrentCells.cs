namespace Recurrent.Trainer.Cells;

/// <summary>The cell a <see cref="CellKind"/> names: the one place outside a cell's own file that knows it.</summary>
internal static class RecurrentCells
{
    public static IRecurrentCell Create(CellKind kind, Activation activation, bool gruLinearBeforeReset) => kind switch
    {
        CellKind.Lstm => new LstmCell(),
        CellKind.Gru => new GruCell(gruLinearBeforeReset),
        _ => new ElmanCell(activation),
    };
}
