using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// The fitted ML.NET model of a per-step regression over numeric steps, made only of ML.NET's own transformers (as
/// <see cref="TaggerModelBuilder"/> makes a tagger's): OnnxTransformer over the in-memory graph
/// (<see cref="StepValuesOnnxExport"/>), then <c>Score</c>, a vector of Single with the value at every step of the
/// row (as many as the row has steps). ML.NET's regression evaluator wants a scalar Score, so this model predicts and
/// is not evaluated by it.
/// </summary>
internal static class StepValuesModelBuilder
{
    public static ITransformer Build(MLContext ml, SequenceModel model, string featureColumnName, IDataView input)
    {
        var onnx = OnnxModelWriter.ToBytes(StepValuesOnnxExport.Build(model, featureColumnName));
        var apply = ml.Transforms.ApplyOnnxModel([StepValuesOnnxExport.StepValues], [featureColumnName], new MemoryStream(onnx)).Fit(input);
        var applied = new EmptyDataView(apply.GetOutputSchema(input.Schema));
        var score = ml.Transforms.CopyColumns("Score", StepValuesOnnxExport.StepValues).Fit(applied);
        var scored = new EmptyDataView(score.GetOutputSchema(applied.Schema));
        var drop = ml.Transforms.DropColumns(StepValuesOnnxExport.StepValues).Fit(scored);
        return new TransformerChain<ITransformer>(apply, score, drop);
    }
}
