using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// What a tagger's columns mean to the engine: the tokens (a vector of keys, whose values become the vocabulary)
/// and the tags (a vector of keys, whose values are the classes). A column of another type is an
/// <see cref="ArgumentOutOfRangeException"/> in ML.NET's words, naming the column, its type and what was expected.
/// </summary>
internal sealed class TaggerColumns
{
    public const string ExpectedTokens = "a vector of keys (tokens after MapValueToKey)";
    public const string ExpectedTags = "a vector of keys (one tag per token, after MapValueToKey)";

    private TaggerColumns(DataViewSchema.Column label, DataViewSchema.Column features, Vocabulary vocabulary, LabelSet labels)
    {
        Label = label;
        Features = features;
        Vocabulary = vocabulary;
        Labels = labels;
    }

    public DataViewSchema.Column Label { get; }
    public DataViewSchema.Column Features { get; }
    public Vocabulary Vocabulary { get; }
    public LabelSet Labels { get; }

    public static TaggerColumns Describe(DataViewSchema schema, RecurrentTrainerOptions options)
    {
        var label = schema.GetColumnOrNull(options.LabelColumnName)
            ?? throw SchemaErrors.NotFound("label", options.LabelColumnName, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        var features = schema.GetColumnOrNull(options.FeatureColumnName)
            ?? throw SchemaErrors.NotFound("feature", options.FeatureColumnName, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        if (features.Type is not VectorDataViewType { ItemType: KeyDataViewType tokenKey })
            throw SchemaErrors.Mismatch("feature", features.Name, ExpectedTokens, features.Type.ToString()!);
        if (label.Type is not VectorDataViewType { ItemType: KeyDataViewType tagKey })
            throw SchemaErrors.Mismatch("label", label.Name, ExpectedTags, label.Type.ToString()!);
        if (tagKey.Count < 2 || tagKey.Count > 100_000)
            throw new ArgumentOutOfRangeException(label.Name, $"Column '{label.Name}' has {tagKey.Count} tags; the Recurrent tagger needs 2 to 100000.");
        var labels = LabelSet.Classes(SequenceColumns.KeyNames(label, (int)tagKey.Count));
        return new TaggerColumns(label, features, SequenceColumns.VocabularyOf(features, tokenKey), labels);
    }
}
