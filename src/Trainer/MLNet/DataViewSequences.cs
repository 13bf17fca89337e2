using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Reads an <see cref="IDataView"/>'s label and sequence columns into the engine's dataset in one pass, row order
/// kept. Missing values follow ML.NET's rule: a row whose features hold NaN or ±Inf, whose token sequence is empty,
/// or whose label is missing (key 0, or a NaN or infinite regression target) is skipped and counted.
/// </summary>
internal static class DataViewSequences
{
    /// <summary>Sequences longer than this are refused (the engine keeps every step of a batch in memory).</summary>
    public const int MaxLength = 100_000;

    /// <summary>Rows left out of training because a value was missing.</summary>
    public sealed record Skipped(long MissingFeatures, long MissingLabel);

    public static (SequenceDataset Data, Skipped Skipped) Read(IDataView data, SequenceColumns columns, string name = "IDataView")
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

    private static (SequenceDataset, Skipped) ReadRows(IDataView data, SequenceColumns columns, string name)
    {
        var examples = new List<SequenceExample>();
        long missingFeatures = 0, missingLabel = 0;
        using var cursor = data.GetRowCursor([columns.Label, columns.Features]);
        var label = LabelReader(cursor, columns);
        long row = 0;
        void Add(int[]? ids, float[]? features)
        {
            if (label(row, ids, features) is { } example)
                examples.Add(example);
            else
                missingLabel++;
        }
        if (columns.Kind == InputKind.Tokens)
        {
            var getter = cursor.GetGetter<VBuffer<uint>>(columns.Features);
            VBuffer<uint> keys = default;
            while (cursor.MoveNext())
            {
                getter(ref keys);
                if (keys.Length == 0)
                {
                    missingFeatures++; // an empty sequence has nothing to read: missing, as at prediction time
                }
                else
                {
                    var ids = new int[CheckLength(keys.Length, row, columns)];
                    var i = 0;
                    foreach (var key in keys.DenseValues())
                        ids[i++] = (int)key + 1; // id = key + 1; missing (0) is <unk>
                    Add(ids, null);
                }
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
                var features = new float[values.Length];
                values.CopyTo(features);
                if (features.Length == 0 || !AllFinite(features))
                {
                    missingFeatures++;
                }
                else
                {
                    CheckLength(values.Length / f, row, columns);
                    Add(null, features);
                }
                row++;
            }
        }
        var dataset = new SequenceDataset(name, columns.Kind, columns.Kind == InputKind.Numeric ? columns.FeaturesPerStep : 0,
            columns.Vocabulary, columns.Labels, examples);
        return (dataset, new Skipped(missingFeatures, missingLabel));
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
                return false;
        }
        return true;
    }

    private static int CheckLength(int length, long row, SequenceColumns columns)
    {
        if (length > MaxLength)
            throw new ArgumentException($"Row {row} of the data has {length} steps in column '{columns.Features.Name}'; at most {MaxLength} are supported.");
        return length;
    }

    // Null when the row's label is missing.
    private delegate SequenceExample? ExampleMaker(long row, int[]? ids, float[]? features);

    private static ExampleMaker LabelReader(DataViewRowCursor cursor, SequenceColumns columns)
    {
        var f = columns.FeaturesPerStep;
        SequenceExample Classified(int[]? ids, float[]? features, int index) =>
            ids is not null ? SequenceExample.FromTokens(ids, index) : SequenceExample.FromSteps(features!, f, index);
        SequenceExample Valued(int[]? ids, float[]? features, float target) =>
            ids is not null ? SequenceExample.FromTokens(ids, target) : SequenceExample.FromSteps(features!, f, target);

        switch (columns.Label.Type)
        {
            case KeyDataViewType:
                {
                    var getter = cursor.GetGetter<uint>(columns.Label);
                    uint key = 0;
                    return (row, ids, features) =>
                    {
                        getter(ref key);
                        return key == 0 ? null : Classified(ids, features, (int)key - 1); // key 0: a value the key does not know
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
                        return float.IsFinite(value) ? Valued(ids, features, value) : null;
                    };
                }
        }
    }
}
