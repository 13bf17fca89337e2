using Microsoft.ML;
using Microsoft.ML.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// A data view with a schema and no rows: what the stock estimators that only look at the schema (OnnxTransformer,
/// type conversion, copying, dropping) are fitted on while a model is assembled.
/// </summary>
internal sealed class EmptyDataView(DataViewSchema schema) : IDataView
{
    public bool CanShuffle => false;

    public DataViewSchema Schema { get; } = schema;

    public long? GetRowCount() => 0;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(Schema);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [new Cursor(Schema)];

    private sealed class Cursor(DataViewSchema schema) : DataViewRowCursor
    {
        public override DataViewSchema Schema { get; } = schema;

        public override long Position => -1;

        public override long Batch => 0;

        public override bool MoveNext() => false;

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            throw new InvalidOperationException("An empty data view has no rows to read.");

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            throw new InvalidOperationException("An empty data view has no rows to read.");
    }
}
