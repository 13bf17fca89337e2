using Microsoft.ML;
using Microsoft.ML.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Two vector-of-keys columns read row by row in one pass, row order kept: what the tagger (tokens, tags) and the
/// encoder–decoder (source, target) train on. Each row's buffers are only valid until the next row is read.
/// </summary>
internal static class KeyVectorRows
{
    public static IEnumerable<(long Row, VBuffer<uint> First, VBuffer<uint> Second)> Read(IDataView data,
        DataViewSchema.Column first, DataViewSchema.Column second)
    {
        using var cursor = data.GetRowCursor([first, second]);
        var firstGetter = cursor.GetGetter<VBuffer<uint>>(first);
        var secondGetter = cursor.GetGetter<VBuffer<uint>>(second);
        VBuffer<uint> firstKeys = default, secondKeys = default;
        for (long row = 0; cursor.MoveNext(); row++)
        {
            firstGetter(ref firstKeys);
            secondGetter(ref secondKeys);
            yield return (row, firstKeys, secondKeys);
        }
    }
}
