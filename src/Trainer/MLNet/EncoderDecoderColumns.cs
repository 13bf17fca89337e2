using Microsoft.ML;
using Microsoft.ML.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// What an encoder–decoder's columns mean to the engine: the source (a vector of keys, whose values are the source
/// symbols) and the target (a vector of keys, whose values are the target symbols); the lengths of a row's two vectors
/// are free. A column of another type is an <see cref="ArgumentOutOfRangeException"/> in ML.NET's words, naming the
/// column, its type and what was expected.
/// </summary>
internal sealed class EncoderDecoderColumns
{
    public const string ExpectedSource = "a vector of keys (source symbols after MapValueToKey)";
    public const string ExpectedTarget = "a vector of keys (target symbols after MapValueToKey)";

    /// <summary>Most symbols on either side: each is an embedding row, and a target symbol a column of the head.</summary>
    public const int MaxSymbols = 100_000;

    private EncoderDecoderColumns(DataViewSchema.Column source, DataViewSchema.Column target, string[] sourceSymbols, string[] targetSymbols)
    {
        Source = source;
        Target = target;
        SourceSymbols = sourceSymbols;
        TargetSymbols = targetSymbols;
    }

    public DataViewSchema.Column Source { get; }
    public DataViewSchema.Column Target { get; }

    /// <summary>The source key values in key order: symbol id = key − 1.</summary>
    public string[] SourceSymbols { get; }

    /// <summary>The target key values in key order: class = key − 1.</summary>
    public string[] TargetSymbols { get; }

    public static EncoderDecoderColumns Describe(DataViewSchema schema, RecurrentTrainerOptions options)
    {
        // The target, then the source, as the pipeline's check (RecurrentEncoderDecoderTrainer.GetOutputSchema).
        var target = schema.GetColumnOrNull(options.LabelColumnName)
            ?? throw SchemaErrors.NotFound("label", options.LabelColumnName, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        if (target.Type is not VectorDataViewType { ItemType: KeyDataViewType targetKey })
            throw SchemaErrors.Mismatch("label", target.Name, ExpectedTarget, target.Type.ToString()!);
        var source = schema.GetColumnOrNull(options.FeatureColumnName)
            ?? throw SchemaErrors.NotFound("feature", options.FeatureColumnName, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        if (source.Type is not VectorDataViewType { ItemType: KeyDataViewType sourceKey })
            throw SchemaErrors.Mismatch("feature", source.Name, ExpectedSource, source.Type.ToString()!);
        return new EncoderDecoderColumns(source, target, Symbols(source, sourceKey), Symbols(target, targetKey));
    }

    private static string[] Symbols(DataViewSchema.Column column, KeyDataViewType key)
    {
        if (key.Count < 1 || key.Count > MaxSymbols)
            throw new ArgumentOutOfRangeException(column.Name,
                $"Column '{column.Name}' has {key.Count} symbols; the Recurrent encoder–decoder needs 1 to {MaxSymbols}.");
        return SequenceColumns.KeyNames(column, (int)key.Count);
    }
}
