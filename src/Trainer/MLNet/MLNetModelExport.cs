using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// A trained model (from the CLI, the service or the library) as a self-contained ML.NET model file: the input is
/// a column <c>Tokens</c> (vector of text: the tokens as the training data had them, lowercased runs of letters and
/// digits for CSV text) or <c>Features</c> (vector of Single, the steps' values one step after another), and the
/// outputs are those of <see cref="MLNetModelBuilder"/> for the model's head; a per-step model gives a value per step
/// (<see cref="StepValuesModelBuilder"/>) or a tag per token (<see cref="TaggerModelBuilder"/>). Loads with nothing but Microsoft.ML,
/// Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime.
/// </summary>
internal static class MLNetModelExport
{
    /// <summary>The input column of token models.</summary>
    public const string TokensColumn = "Tokens";

    /// <summary>The input column of numeric models.</summary>
    public const string FeaturesColumn = "Features";

    /// <summary>The fitted ML.NET model and the input schema it reads.</summary>
    public static ITransformer Create(MLContext ml, SequenceModel model, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(model);
        var schema = new DataViewSchema.Builder();
        if (model.Vocabulary is { } vocabulary)
        {
            schema.AddColumn(TokensColumn, new VectorDataViewType(TextDataViewType.Instance));
            inputSchema = schema.ToSchema();
            var input = new EmptyDataView(inputSchema);
            // The words after <pad> and <unk>, in id order: key k is id k + 1, and an unknown word (key 0) is <unk>.
            var words = ml.Data.LoadFromEnumerable(vocabulary.Tokens.Skip(2).Select(t => new Term { Value = t }));
            var keys = ml.Transforms.Conversion.MapValueToKey(TokensColumn, keyData: words).Fit(input);
            // A per-step classifier over tokens is a tagger: a tag per token (PredictedLabel) and every token's scores.
            var network = model.PerStep
                ? TaggerModelBuilder.Build(ml, model, TokensColumn, keys.Transform(input))
                : MLNetModelBuilder.Build(ml, model, TokensColumn, keys.Transform(input));
            return new TransformerChain<ITransformer>(keys, network);
        }
        if (model.PerStep && model.Head != Layers.HeadKind.Regression)
            throw new NotSupportedException("A per-step classifier over numeric steps is not written as an ML.NET model file (a tagger over tokens and a per-step regression are); use its ONNX export.");
        schema.AddColumn(FeaturesColumn, new VectorDataViewType(NumberDataViewType.Single));
        inputSchema = schema.ToSchema();
        var features = new EmptyDataView(inputSchema);
        return model.PerStep
            ? StepValuesModelBuilder.Build(ml, model, FeaturesColumn, features)
            : MLNetModelBuilder.Build(ml, model, FeaturesColumn, features);
    }

    /// <summary>
    /// An encoder–decoder's fitted ML.NET model and the input schema it reads: <c>Tokens</c>, the source symbols as
    /// text (one a slot; a symbol the model does not know makes the row's output empty), and <c>PredictedLabel</c>,
    /// the greedy decoding as keys whose values are the target symbols (<c>MapKeyToValue</c> gives them).
    /// </summary>
    public static ITransformer Create(MLContext ml, EncoderDecoderModel model, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(model);
        var schema = new DataViewSchema.Builder();
        schema.AddColumn(TokensColumn, new VectorDataViewType(TextDataViewType.Instance));
        inputSchema = schema.ToSchema();
        var input = new EmptyDataView(inputSchema);
        // Key k is source symbol k − 1, as the estimator reads a key column.
        var symbols = ml.Data.LoadFromEnumerable(model.SourceSymbols.Select(t => new Term { Value = t }));
        var keys = ml.Transforms.Conversion.MapValueToKey(TokensColumn, keyData: symbols).Fit(input);
        var network = EncoderDecoderModelBuilder.Build(ml, model, TokensColumn, RecurrentEncoderDecoderTrainer.PredictedLabelColumnName,
            keys.Transform(input));
        return new TransformerChain<ITransformer>(keys, network);
    }

    /// <summary>The model file's bytes.</summary>
    public static byte[] ToBytes(SequenceModel model)
    {
        var ml = new MLContext();
        return Saved(ml, Create(ml, model, out var inputSchema), inputSchema);
    }

    /// <summary>An encoder–decoder's model file's bytes.</summary>
    public static byte[] ToBytes(EncoderDecoderModel model)
    {
        var ml = new MLContext();
        return Saved(ml, Create(ml, model, out var inputSchema), inputSchema);
    }

    private static byte[] Saved(MLContext ml, ITransformer transformer, DataViewSchema inputSchema)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(transformer, inputSchema, stream);
        return stream.ToArray();
    }

    /// <summary>Writes the model file atomically.</summary>
    public static void Save(SequenceModel model, string path) => AtomicFile.Write(path, ToBytes(model));

    /// <summary>Writes an encoder–decoder's model file atomically.</summary>
    public static void Save(EncoderDecoderModel model, string path) => AtomicFile.Write(path, ToBytes(model));

    private sealed class Term
    {
        public string Value { get; set; } = "";
    }
}
