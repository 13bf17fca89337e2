using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Reads a tagger's columns, a vector of keys (tokens) and a vector of keys of the same length (one tag per token),
/// into a per-step dataset in one pass, row order kept. A token key 0 (a word the key does not know) is &lt;unk&gt;; a
/// tag key 0 (a tag the key does not know) leaves that step unlabelled. An empty row, or one whose tags are all
/// missing, has nothing to learn from and is skipped and counted (ML.NET's rule for missing values); a row whose tag
/// count differs from its token count is an error naming the row.
/// </summary>
internal static class DataViewTags
{
    public static (SequenceDataset Data, DataViewSequences.Skipped Skipped) Read(IDataView data, TaggerColumns columns)
    {
        var examples = new List<SequenceExample>();
        long empty = 0, unlabelled = 0;
        foreach (var (row, tokens, tags) in KeyVectorRows.Read(data, columns.Features, columns.Label))
        {
            if (tokens.Length == 0)
            {
                empty++;
                continue;
            }
            if (tags.Length != tokens.Length)
                throw new ArgumentException(
                    $"Row {row} of the data has {tokens.Length} tokens in column '{columns.Features.Name}' but {tags.Length} tags in column '{columns.Label.Name}'; a tagger needs one tag per token.");
            if (tokens.Length > DataViewSequences.MaxLength)
                throw new ArgumentException($"Row {row} of the data has {tokens.Length} steps in column '{columns.Features.Name}'; at most {DataViewSequences.MaxLength} are supported.");
            var ids = new int[tokens.Length];
            var i = 0;
            foreach (var key in tokens.DenseValues())
                ids[i++] = (int)key + 1; // id = key + 1; missing (0) is <unk>
            var classes = new int[tags.Length];
            i = 0;
            var labelled = false;
            foreach (var key in tags.DenseValues())
            {
                classes[i++] = key == 0 ? SequenceExample.Unlabelled : (int)key - 1;
                labelled |= key != 0;
            }
            if (labelled)
                examples.Add(SequenceExample.FromTokens(ids, classes));
            else
                unlabelled++;
        }
        var dataset = new SequenceDataset("IDataView", InputKind.Tokens, 0, columns.Vocabulary, columns.Labels, examples, perStep: true);
        return (dataset, new DataViewSequences.Skipped(empty, unlabelled));
    }
}
