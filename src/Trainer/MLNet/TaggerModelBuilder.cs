using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// The fitted ML.NET model of a tagger, made only of ML.NET's own transformers (as <see cref="MLNetModelBuilder"/>
/// makes the classifier's), so Save, Load and PredictionEngine need nothing of this project: OnnxTransformer over the
/// in-memory graph (<see cref="TaggerOnnxExport"/>), then <c>PredictedLabel</c>, a vector of the tag column's key
/// type (one tag per token, through MapValue over the class names), and <c>Score</c>, every step's class
/// probabilities one step after another (T · classes values).
/// </summary>
internal static class TaggerModelBuilder
{
    public static ITransformer Build(MLContext ml, SequenceModel model, string featureColumnName, IDataView input)
    {
        var onnx = OnnxModelWriter.ToBytes(TaggerOnnxExport.Build(model, featureColumnName));
        var transformers = new List<ITransformer>();
        var schema = input.Schema;
        void Add(ITransformer transformer)
        {
            transformers.Add(transformer);
            schema = transformer.GetOutputSchema(schema);
        }
        IDataView Shaped() => new EmptyDataView(schema);

        Add(ml.Transforms.ApplyOnnxModel([TaggerOnnxExport.StepProbabilities, TaggerOnnxExport.PredictedKeys], [featureColumnName],
            new MemoryStream(onnx)).Fit(Shaped()));
        // Key (a whole number as Single) → tag name → a key over the names in class order: the tag column's key type,
        // with its values. (MapValue straight to keys gives a vector of UInt32 that is no key type on a vector column.)
        var classes = model.Labels.ClassNames;
        var names = classes.Select((name, i) => new KeyValuePair<float, string>(i + 1, name));
        Add(ml.Transforms.Conversion.MapValue(PredictedTags, names, TaggerOnnxExport.PredictedKeys).Fit(Shaped()));
        var keyData = ml.Data.LoadFromEnumerable(classes.Select(name => new TagName { Value = name }));
        Add(ml.Transforms.Conversion.MapValueToKey("PredictedLabel", PredictedTags, keyData: keyData).Fit(Shaped()));
        Add(ml.Transforms.CopyColumns("Score", TaggerOnnxExport.StepProbabilities).Fit(Shaped()));
        Add(ml.Transforms.DropColumns(TaggerOnnxExport.StepProbabilities, TaggerOnnxExport.PredictedKeys, PredictedTags).Fit(Shaped()));
        return new TransformerChain<ITransformer>([.. transformers]);
    }

    private const string PredictedTags = "Recurrent.PredictedTags";

    private sealed class TagName
    {
        public string Value { get; set; } = "";
    }
}
