using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.MLNet;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>
/// A model with skip gates trained in an ML.NET pipeline converts to ONNX through ConvertRecurrentToOnnx (from the
/// fitted model and from a saved and loaded one): a Loop per layer, and ONNX Runtime gives what the PredictionEngine
/// gives on rows where the trained gates skip steps.
/// </summary>
public sealed class SkipOnnxConversionTests
{
    private const int Length = 10;

    [Theory]
    [InlineData(RecurrentCellKind.Lstm, false)]
    [InlineData(RecurrentCellKind.Gru, true)]
    public void A_skip_model_converts_and_gives_the_prediction_engines_values(RecurrentCellKind cell, bool loaded)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(MLNetTestData.Adding(200, Length, seed: 1));
        var trainer = ml.Regression.Trainers.Recurrent(new RecurrentTrainerOptions
        {
            Cell = cell,
            FeaturesPerStep = 2,
            HiddenSize = 8,
            Epochs = 6,
            LearningRate = 0.05f,
            SkipUpdates = true,
            SkipUpdateBudget = 0.05f,
        });
        ITransformer model = trainer.Fit(train);
        var schema = train.Schema;
        if (loaded)
        {
            using var zip = new MemoryStream();
            ml.Model.Save(model, schema, zip);
            zip.Position = 0;
            model = ml.Model.Load(zip, out schema);
        }
        using var stream = new MemoryStream();
        ml.Model.ConvertRecurrentToOnnx(model, schema, stream, includeFeaturization: true);
        var onnx = stream.ToArray();
        Assert.Single(ModelProto.Parser.ParseFrom(onnx).Graph.Node, node => node.OpType == "Loop");

        var rows = MLNetTestData.Adding(16, Length, seed: 5);
        // The trained gates skip some of these rows' steps, so the graph's choice by u_t is exercised.
        trainer.LastModel!.PredictBatch(rows.Select(r => SequenceExample.FromSteps(r.Features, 2, 0f)).ToArray());
        Assert.InRange(trainer.LastModel.Network.UpdateShares().Single(), 0.05, 0.95);

        var engine = ml.Model.CreatePredictionEngine<Steps, ValuePrediction>(model);
        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r.Features).ToArray(), [rows.Length, 2 * Length]);
        using var outputs = session.Run(new RunOptions(), ["Features"], [input], ["Score"]);
        var scores = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        for (var i = 0; i < rows.Length; i++)
            Assert.Equal(engine.Predict(rows[i]).Score, scores[i], 1e-5f);
    }
}
