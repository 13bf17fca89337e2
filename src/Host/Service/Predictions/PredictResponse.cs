using System.Text.Json.Serialization;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Service.Predictions;

/// <summary>The answer of <c>POST /api/runs/{id}/predict</c>: one prediction per record, and the engine that made them.</summary>
/// <param name="RunId">The run whose model answered.</param>
/// <param name="Engine"><c>onnxruntime</c>, or <c>managed</c> for a run without an ONNX file.</param>
/// <param name="PerStep">The model predicts every step (a tagger, a character model): each prediction has per-step fields.</param>
/// <param name="Predictions">In the order of the records.</param>
internal sealed record PredictResponse(long RunId, string Engine, bool PerStep, PredictionView[] Predictions);

/// <summary>
/// One record's prediction: a classifier's label and the probability of every class, or a regression's value; for a
/// per-step model, the tokens as read and every step's label and class probabilities, or every step's value. Only the
/// fields of the model's kind are written.
/// </summary>
/// <param name="Record">The record's position in the request, from 0.</param>
/// <param name="Label">A classifier's predicted class.</param>
/// <param name="Probabilities">A classifier's probability of each class, by class name.</param>
/// <param name="Value">A regression's prediction.</param>
/// <param name="Tokens">A per-step token model: the record's tokens as read (text split as the model reads it), one per step.</param>
/// <param name="Labels">A per-step classifier: the predicted class of every step.</param>
/// <param name="StepProbabilities">A per-step classifier: every step's probability of each class, by class name.</param>
/// <param name="Values">A per-step regression: every step's prediction.</param>
/// <param name="Output">An encoder–decoder: the decoded target sequence (greedy, the end token left out).</param>
internal sealed record PredictionView(
    int Record,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Label,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, float>? Probabilities,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? Value,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Tokens = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? Labels = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, float>[]? StepProbabilities = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float[]? Values = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? Output = null)
{
    public static PredictionView Of(int record, Prediction p, IReadOnlyList<string> classes) => p.Label is null
        ? new(record, null, null, p.Value)
        : new(record, p.Label, Distribution(p, classes), null);

    /// <summary>A per-step model's prediction of one record: <paramref name="steps"/>[t] is step t's.</summary>
    public static PredictionView OfSteps(int record, Prediction[] steps, IReadOnlyList<string>? tokens, IReadOnlyList<string> classes,
        bool regression) => regression
        ? new(record, null, null, null, tokens, Values: [.. steps.Select(p => p.Value)])
        : new(record, null, null, null, tokens, [.. steps.Select(p => p.Label!)], [.. steps.Select(p => Distribution(p, classes))]);

    private static Dictionary<string, float> Distribution(Prediction p, IReadOnlyList<string> classes) =>
        classes.Select((c, k) => (c, k)).ToDictionary(x => x.c, x => p.Probabilities[x.k]);
}
