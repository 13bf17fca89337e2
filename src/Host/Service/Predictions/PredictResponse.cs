using System.Text.Json.Serialization;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Service.Predictions;

/// <summary>The answer of <c>POST /api/runs/{id}/predict</c>: one prediction per record, and the engine that made them.</summary>
/// <param name="RunId">The run whose model answered.</param>
/// <param name="Engine"><c>onnxruntime</c>, or <c>managed</c> for a run without an ONNX file.</param>
/// <param name="Predictions">In the order of the records.</param>
internal sealed record PredictResponse(long RunId, string Engine, PredictionView[] Predictions);

/// <summary>
/// One record's prediction: a classifier's label and the probability of every class, or a regression's value.
/// Only the fields of the model's kind are written.
/// </summary>
/// <param name="Record">The record's position in the request, from 0.</param>
/// <param name="Label">A classifier's predicted class.</param>
/// <param name="Probabilities">A classifier's probability of each class, by class name.</param>
/// <param name="Value">A regression's prediction.</param>
internal sealed record PredictionView(
    int Record,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Label,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, float>? Probabilities,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? Value)
{
    public static PredictionView Of(int record, Prediction p, IReadOnlyList<string> classes) => p.Label is null
        ? new(record, null, null, p.Value)
        : new(record, p.Label, classes.Select((c, k) => (c, k)).ToDictionary(x => x.c, x => p.Probabilities[x.k]), null);
}
