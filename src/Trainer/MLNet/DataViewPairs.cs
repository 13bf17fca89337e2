using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Reads an encoder–decoder's columns, a source and a target vector of keys of any lengths, into pairs in one pass,
/// row order kept. The encoder–decoder has no &lt;unk&gt; symbol, so a row with a missing key (0: a value the key does
/// not know) or an empty vector on either side has nothing certain to learn from: it is skipped and counted (ML.NET's
/// rule for missing values), the source's problems before the target's.
/// </summary>
internal static class DataViewPairs
{
    public static (PairDataset Data, DataViewSequences.Skipped Skipped) Read(IDataView data, EncoderDecoderColumns columns)
    {
        var pairs = new List<SequencePair>();
        long missingSource = 0, missingTarget = 0;
        foreach (var (row, source, target) in KeyVectorRows.Read(data, columns.Source, columns.Target))
        {
            var sourceIds = Ids(source, row, columns.Source.Name);
            var targetIds = Ids(target, row, columns.Target.Name);
            if (sourceIds is null)
                missingSource++;
            else if (targetIds is null)
                missingTarget++;
            else
                pairs.Add(new SequencePair(sourceIds, targetIds));
        }
        var dataset = new PairDataset("IDataView", columns.SourceSymbols, columns.TargetSymbols, pairs);
        return (dataset, new DataViewSequences.Skipped(missingSource, missingTarget));
    }

    // Key k is symbol k − 1; null when the vector is empty or holds a missing key.
    private static int[]? Ids(VBuffer<uint> keys, long row, string column)
    {
        if (keys.Length > DataViewSequences.MaxLength)
            throw new ArgumentException($"Row {row} of the data has {keys.Length} symbols in column '{column}'; at most {DataViewSequences.MaxLength} are supported.");
        if (keys.Length == 0)
            return null;
        var ids = new int[keys.Length];
        var i = 0;
        foreach (var key in keys.DenseValues())
        {
            if (key == 0)
                return null;
            ids[i++] = (int)key - 1;
        }
        return ids;
    }
}
