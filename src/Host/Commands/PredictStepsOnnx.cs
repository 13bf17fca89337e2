using Microsoft.ML.OnnxRuntime;
using Recurrent.Host.Service.Predictions;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Recurrent.Host.Commands;

/// <summary>
/// Every step's prediction from an exported per-step model in ONNX Runtime: its <c>probabilities</c> (or
/// <c>value</c>) output is [batch, sequence, classes], and the steps past a record's length are dropped. The labels
/// and vocabulary come from <see cref="OnnxPredictor"/>, which reads the metadata but predicts one row per record.
/// </summary>
internal sealed class PredictStepsOnnx : IDisposable
{
    // What ClassifierOnnxExport writes into a per-step model's metadata (and only into a per-step model's).
    private const string PerStepKey = "recurrent.outputs";

    private readonly InferenceSession _session;
    private readonly bool _regression;

    private PredictStepsOnnx(InferenceSession session, bool regression, TokenUnit unit)
    {
        _session = session;
        _regression = regression;
        TokenUnit = unit;
    }

    /// <summary>Characters or words: how the model's tokens are read from text (a character model's tokenizer says).</summary>
    public TokenUnit TokenUnit { get; }

    /// <summary>A session over <paramref name="path"/> when it is a per-step model; null for one output per record.</summary>
    public static PredictStepsOnnx? TryOpen(string path)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: ONNX Runtime cannot load this model: {e.Message}", e);
        }
        var metadata = session.ModelMetadata.CustomMetadataMap;
        if (!metadata.ContainsKey(PerStepKey))
        {
            session.Dispose();
            return null;
        }
        var characters = metadata.TryGetValue("recurrent.tokenizer", out var tokenizer)
            && tokenizer.StartsWith("one token per character", StringComparison.Ordinal);
        return new PredictStepsOnnx(session, metadata.TryGetValue("recurrent.head", out var head) && head == "regression",
            characters ? TokenUnit.Character : TokenUnit.Word);
    }

    /// <summary>Predicts every step of every record, one batch of all of them padded to the longest.</summary>
    public Prediction[][] Run(OnnxPredictor model, IReadOnlyList<SequenceExample> records)
    {
        if (records.Count == 0)
            return [];
        var batch = records.Count;
        var steps = records.Max(r => r.Length);
        using var input = model.InputKind == InputKind.Tokens ? Tokens(records, steps) : Numeric(records, steps, model.FeatureCount);
        using var lengths = OrtValue.CreateTensorValueFromMemory(records.Select(r => r.Length).ToArray(), [batch]);
        var output = _regression ? "value" : "probabilities";
        using var results = _session.Run(new RunOptions(), [ClassifierOnnxExport.Input, ClassifierOnnxExport.Lengths],
            [input, lengths], [output]);
        var values = results[0].GetTensorDataAsSpan<float>();
        var width = values.Length / (batch * steps);
        var predictions = new Prediction[batch][];
        for (var b = 0; b < batch; b++)
        {
            predictions[b] = new Prediction[records[b].Length];
            for (var t = 0; t < records[b].Length; t++)
            {
                var row = values.Slice((b * steps + t) * width, width);
                predictions[b][t] = _regression ? new Prediction(-1, null, [], row[0]) : Classify(row, model.Labels);
            }
        }
        return predictions;
    }

    private static Prediction Classify(ReadOnlySpan<float> probabilities, LabelSet labels)
    {
        var best = 0;
        for (var c = 1; c < probabilities.Length; c++)
        {
            if (probabilities[c] > probabilities[best])
                best = c;
        }
        return new Prediction(best, labels.ClassNames[best], probabilities.ToArray(), float.NaN);
    }

    private static OrtValue Tokens(IReadOnlyList<SequenceExample> records, int steps)
    {
        var ids = new long[records.Count * steps];
        for (var b = 0; b < records.Count; b++)
        {
            var tokens = records[b].TokenIds ?? throw new ArgumentException($"Record {b} has numeric steps but the model reads tokens.");
            for (var t = 0; t < tokens.Length; t++)
                ids[b * steps + t] = tokens[t];
        }
        return OrtValue.CreateTensorValueFromMemory(ids, [records.Count, steps]);
    }

    private static OrtValue Numeric(IReadOnlyList<SequenceExample> records, int steps, int features)
    {
        var values = new float[records.Count * steps * features];
        for (var b = 0; b < records.Count; b++)
        {
            var record = records[b].Features;
            if (record is null || record.Length != records[b].Length * features)
                throw new ArgumentException($"Record {b} must have {features} features per step, as the model was trained with.");
            record.CopyTo(values, b * steps * features);
        }
        return OrtValue.CreateTensorValueFromMemory(values, [records.Count, steps, features]);
    }

    public void Dispose() => _session.Dispose();
}
