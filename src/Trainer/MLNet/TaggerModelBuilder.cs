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
        var chain = new FittedChain(input.Schema);
        chain.Fit(ml.Transforms.ApplyOnnxModel([TaggerOnnxExport.StepProbabilities, TaggerOnnxExport.PredictedKeys], [featureColumnName],
            new MemoryStream(onnx)));
        // Key (a whole number as Single) → tag name → a key over the names in class order: the tag column's key type,
        // with its values. (MapValue straight to keys gives a vector of UInt32 that is no key type on a vector column.)
        var classes = model.Labels.ClassNames;
        var names = classes.Select((name, i) => new KeyValuePair<float, string>(i + 1, name));
        var keyData = ml.Data.LoadFromEnumerable(classes.Select(name => new TagName { Value = name }));
        return chain.Fit(ml.Transforms.Conversion.MapValue(PredictedTags, names, TaggerOnnxExport.PredictedKeys))
            .Fit(ml.Transforms.Conversion.MapValueToKey("PredictedLabel", PredictedTags, keyData: keyData))
            .Fit(ml.Transforms.CopyColumns("Score", TaggerOnnxExport.StepProbabilities))
            .Fit(ml.Transforms.DropColumns(TaggerOnnxExport.StepProbabilities, TaggerOnnxExport.PredictedKeys, PredictedTags))
            .Build();
    }

    private const string PredictedTags = "Recurrent.PredictedTags";

    private sealed class TagName
    {
        public string Value { get; set; } = "";
    }
}
