using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// What the label and sequence columns of an ML.NET schema mean to the engine: the input kind and vocabulary, and
/// the classes. Rejects a column of the wrong type with an <see cref="ArgumentOutOfRangeException"/> naming the
/// column, its type and what was expected.
/// </summary>
internal sealed class SequenceColumns
{
    private SequenceColumns(DataViewSchema.Column label, DataViewSchema.Column features, InputKind kind,
        Vocabulary? vocabulary, LabelSet labels, int featuresPerStep)
    {
        Label = label;
        Features = features;
        Kind = kind;
        Vocabulary = vocabulary;
        Labels = labels;
        FeaturesPerStep = featuresPerStep;
    }

    public DataViewSchema.Column Label { get; }
    public DataViewSchema.Column Features { get; }
    public InputKind Kind { get; }
    public Vocabulary? Vocabulary { get; }
    public LabelSet Labels { get; }
    public int FeaturesPerStep { get; }

    public const string ExpectedFeatures = "a vector of keys (tokens after MapValueToKey) or a vector of Single";
    public const string ExpectedMulticlassLabel = "a key (multi-class classification: MapValueToKey the label)";
    public const string ExpectedBinaryLabel = "Boolean (binary classification)";
    public const string ExpectedRegressionLabel = "Single (regression)";

    public static SequenceColumns Describe(DataViewSchema schema, RecurrentTask task, RecurrentTrainerOptions options)
    {
        var label = Find(schema, options.LabelColumnName, "label");
        var features = Find(schema, options.FeatureColumnName, "feature");
        var labels = task switch
        {
            RecurrentTask.MulticlassClassification => LabelSet.Classes(ClassNames(label)),
            RecurrentTask.BinaryClassification => RequireType(label, label.Type is BooleanDataViewType, ExpectedBinaryLabel,
                LabelSet.Classes(["False", "True"])),
            _ => RequireType(label, label.Type == NumberDataViewType.Single, ExpectedRegressionLabel, LabelSet.Regression()),
        };
        if (features.Type is not VectorDataViewType vector)
            throw WrongType(features, "feature", ExpectedFeatures);
        if (vector.ItemType is KeyDataViewType key)
            return new SequenceColumns(label, features, InputKind.Tokens, VocabularyOf(features, key), labels, 0);
        if (vector.ItemType != NumberDataViewType.Single)
            throw WrongType(features, "feature", ExpectedFeatures);
        if (vector.Size > 0 && vector.Size % options.FeaturesPerStep != 0)
            throw new ArgumentOutOfRangeException(options.FeatureColumnName,
                $"Column '{features.Name}' has {vector.Size} values per row, which do not divide into steps of FeaturesPerStep = {options.FeaturesPerStep}.");
        return new SequenceColumns(label, features, InputKind.Numeric, null, labels, options.FeaturesPerStep);
    }

    private static DataViewSchema.Column Find(DataViewSchema schema, string name, string role) =>
        schema.GetColumnOrNull(name) ?? throw SchemaErrors.NotFound(role, name, schema.Where(c => !c.IsHidden).Select(c => c.Name));

    private static LabelSet RequireType(DataViewSchema.Column column, bool ok, string expected, LabelSet labels) =>
        ok ? labels : throw WrongType(column, "label", expected);

    private static ArgumentOutOfRangeException WrongType(DataViewSchema.Column column, string role, string expected) =>
        SchemaErrors.Mismatch(role, column.Name, expected, column.Type.ToString()!);

    // The label's key values are the class names (as text); a key without values names its classes 1..K.
    private static string[] ClassNames(DataViewSchema.Column label)
    {
        if (label.Type is not KeyDataViewType key)
            throw WrongType(label, "label", ExpectedMulticlassLabel);
        if (key.Count < 2 || key.Count > 100_000)
            throw new ArgumentOutOfRangeException(label.Name, $"Column '{label.Name}' has {key.Count} classes; the Recurrent trainer needs 2 to 100000.");
        return KeyNames(label, (int)key.Count);
    }

    internal static Vocabulary VocabularyOf(DataViewSchema.Column features, KeyDataViewType key)
    {
        if (key.Count > 10_000_000)
            throw new ArgumentOutOfRangeException(features.Name, $"Column '{features.Name}' has {key.Count} keys; at most 10000000 are supported.");
        // Id = key + 1: the reserved <pad> and <unk> come first, and a missing key (0) becomes <unk>. A key value that
        // spells a reserved token or repeats one is renamed, so that every key keeps its own embedding row.
        var seen = new HashSet<string>(StringComparer.Ordinal) { Vocabulary.PaddingToken, Vocabulary.UnknownToken };
        var tokens = KeyNames(features, (int)key.Count);
        for (var k = 0; k < tokens.Length; k++)
        {
            if (!seen.Add(tokens[k]))
                seen.Add(tokens[k] = $"{tokens[k]}#{k + 1}");
        }
        return new Vocabulary(tokens);
    }

    internal static string[] KeyNames(DataViewSchema.Column column, int count)
    {
        var names = Enumerable.Range(1, count).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var annotation = column.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (annotation is null || annotation.Value.Type is not VectorDataViewType values || values.Size != count)
            return names;
        if (values.ItemType is TextDataViewType)
        {
            VBuffer<ReadOnlyMemory<char>> text = default;
            column.GetKeyValues(ref text);
            var i = 0;
            foreach (var value in text.DenseValues())
                names[i++] = value.ToString();
            return names;
        }
        // Key values of another type (numbers, for example) are named by their text.
        var dense = CopyKeyValues(column, values.ItemType.RawType);
        for (var i = 0; i < count; i++)
            names[i] = Convert.ToString(dense[i], System.Globalization.CultureInfo.InvariantCulture) ?? names[i];
        return names;
    }

    private static object?[] CopyKeyValues(DataViewSchema.Column column, Type rawType)
    {
        var method = typeof(SequenceColumns).GetMethod(nameof(CopyKeyValuesOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        return (object?[])method.MakeGenericMethod(rawType).Invoke(null, [column])!;
    }

    private static object?[] CopyKeyValuesOf<T>(DataViewSchema.Column column)
    {
        VBuffer<T> values = default;
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => (object?)v).ToArray();
    }
}
