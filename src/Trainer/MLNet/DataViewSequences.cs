using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Reads an <see cref="IDataView"/>'s label and sequence columns into the engine's dataset in one pass, row order
/// kept. Bad rows (an empty sequence, a missing label) fail with the row number and column.
/// </summary>
internal static class DataViewSequences
{
    /// <summary>Sequences longer than this are refused (the engine keeps every step of a batch in memory).</summary>
    public const int MaxLength = 100_000;

    public static SequenceDataset Read(IDataView data, SequenceColumns columns, string name = "IDataView")
    {
        var noCollections = BulkAllocation.Begin(EstimatedBytes(data, columns));
        try
        {
            return ReadRows(data, columns, name);
        }
        finally
        {
            BulkAllocation.End(noCollections);
        }
    }

    // What the sequences will take when the row count and vector size are known up front (else 0).
    private static long EstimatedBytes(IDataView data, SequenceColumns columns) =>
        data.GetRowCount() is long rows && columns.Features.Type is VectorDataViewType { Size: > 0 } vector
            ? rows * (vector.Size * sizeof(float) + 128L)
            : 0;

    private static SequenceDataset ReadRows(IDataView data, SequenceColumns columns, string name)
    {
        var examples = new List<SequenceExample>();
        using var cursor = data.GetRowCursor([columns.Label, columns.Features]);
        var label = LabelReader(cursor, columns);
        long row = 0;
        if (columns.Kind == InputKind.Tokens)
        {
            var getter = cursor.GetGetter<VBuffer<uint>>(columns.Features);
            VBuffer<uint> keys = default;
            while (cursor.MoveNext())
            {
                getter(ref keys);
                var ids = new int[CheckLength(keys.Length, row, columns)];
                var i = 0;
                foreach (var key in keys.DenseValues())
                    ids[i++] = (int)key + 1; // id = key + 1; missing (0) is <unk>
                examples.Add(label(row, ids, null));
                row++;
            }
        }
        else
        {
            var getter = cursor.GetGetter<VBuffer<float>>(columns.Features);
            VBuffer<float> values = default;
            var f = columns.FeaturesPerStep;
            while (cursor.MoveNext())
            {
                getter(ref values);
                if (values.Length % f != 0)
                    throw new ArgumentException(
                        $"Row {row} of the data: column '{columns.Features.Name}' has {values.Length} values, which do not divide into steps of FeaturesPerStep = {f}.");
                CheckLength(values.Length / f, row, columns);
                var features = new float[values.Length];
                values.CopyTo(features);
                examples.Add(label(row, null, features));
                row++;
            }
        }
        return new SequenceDataset(name, columns.Kind, columns.Kind == InputKind.Numeric ? columns.FeaturesPerStep : 0,
            columns.Vocabulary, columns.Labels, examples);
    }

    private static int CheckLength(int length, long row, SequenceColumns columns)
    {
        if (length == 0)
            throw new ArgumentException(
                $"Row {row} of the data has an empty sequence in column '{columns.Features.Name}'; every sequence needs at least one step.");
        if (length > MaxLength)
            throw new ArgumentException($"Row {row} of the data has {length} steps in column '{columns.Features.Name}'; at most {MaxLength} are supported.");
        return length;
    }

    private delegate SequenceExample ExampleMaker(long row, int[]? ids, float[]? features);

    private static ExampleMaker LabelReader(DataViewRowCursor cursor, SequenceColumns columns)
    {
        var f = columns.FeaturesPerStep;
        SequenceExample Classified(int[]? ids, float[]? features, int index) =>
            ids is not null ? SequenceExample.FromTokens(ids, index) : SequenceExample.FromSteps(features!, f, index);
        SequenceExample Valued(int[]? ids, float[]? features, float target) =>
            ids is not null ? SequenceExample.FromTokens(ids, target) : SequenceExample.FromSteps(features!, f, target);

        var name = columns.Label.Name;
        switch (columns.Label.Type)
        {
            case KeyDataViewType:
                {
                    var getter = cursor.GetGetter<uint>(columns.Label);
                    uint key = 0;
                    return (row, ids, features) =>
                    {
                        getter(ref key);
                        if (key == 0)
                            throw new ArgumentException($"Row {row} of the data has a missing label in column '{name}' (a value the key does not know).");
                        return Classified(ids, features, (int)key - 1);
                    };
                }
            case BooleanDataViewType:
                {
                    var getter = cursor.GetGetter<bool>(columns.Label);
                    var value = false;
                    return (row, ids, features) =>
                    {
                        getter(ref value);
                        return Classified(ids, features, value ? 1 : 0);
                    };
                }
            default:
                {
                    var getter = cursor.GetGetter<float>(columns.Label);
                    var value = 0f;
                    return (row, ids, features) =>
                    {
                        getter(ref value);
                        if (!float.IsFinite(value))
                            throw new ArgumentException($"Row {row} of the data has label {value} in column '{name}'; regression needs a finite number.");
                        return Valued(ids, features, value);
                    };
                }
        }
    }
}
