using System.Text.Json;

namespace Recurrent.Host.Service.Predictions;

/// <summary>The body of <c>POST /api/runs/{id}/predict</c>: records like a dataset file's lines, without labels.</summary>
public sealed class PredictRequest
{
    /// <summary>The sequences to predict, in order.</summary>
    public List<PredictRecord>? Records { get; set; }
}

/// <summary>One sequence: <c>tokens</c> or <c>text</c> for a token model, <c>steps</c> for a numeric one.</summary>
public sealed class PredictRecord
{
    /// <summary>Tokens, as in a JSONL dataset; unknown ones become &lt;unk&gt;.</summary>
    public List<string>? Tokens { get; set; }

    /// <summary>Text, split into tokens as the CSV reader does.</summary>
    public string? Text { get; set; }

    /// <summary>Numeric steps: an array of steps, each an array of the model's feature count (or a bare number for width 1).</summary>
    public JsonElement? Steps { get; set; }
}
