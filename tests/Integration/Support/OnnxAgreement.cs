using Recurrent.Host.Service.Predictions;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Integration.Tests.Support;

/// <summary>How far Microsoft.ML.OnnxRuntime, on a model's ONNX export, is from the managed engine.</summary>
internal static class OnnxAgreement
{
    /// <summary>
    /// Exports <paramref name="model"/>, predicts <paramref name="data"/> both ways, asserts that every label agrees,
    /// and returns the largest difference of a probability (of the value, for regression).
    /// </summary>
    public static double LargestDifference(SequenceModel model, SequenceDataset data)
    {
        var managed = model.PredictBatch(data.Examples);
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.onnx");
        model.ExportOnnx(path);
        using var predictor = OnnxPredictor.Open(path);
        var onnx = predictor.PredictBatch(data.Examples);
        var largest = 0.0;
        for (var i = 0; i < managed.Length; i++)
        {
            Assert.Equal(managed[i].Label, onnx[i].Label);
            if (model.Labels.IsRegression)
            {
                largest = Math.Max(largest, Math.Abs(managed[i].Value - onnx[i].Value));
                continue;
            }
            for (var k = 0; k < managed[i].Probabilities.Length; k++)
                largest = Math.Max(largest, Math.Abs(managed[i].Probabilities[k] - onnx[i].Probabilities[k]));
        }
        return largest;
    }
}
