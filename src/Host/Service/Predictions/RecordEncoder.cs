using System.Text.Json;
using Recurrent.Host.Service.Api;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Files;

namespace Recurrent.Host.Service.Predictions;

/// <summary>Turns request records into sequences for one engine; every refusal names the record and field.</summary>
internal static class RecordEncoder
{
    /// <summary>
    /// Encodes every record; <paramref name="checkSteps"/> sees the running total of steps after each record (each
    /// at most <paramref name="maxLength"/>), so an oversized request is refused before much of it is copied. Records
    /// carry no labels: they are encoded as the model describes its data (<see cref="Trainer.Models.SequenceModel.DescribeData"/>):
    /// its vocabulary, its width, and its token unit, so a character model reads <c>text</c> one character per token.
    /// <paramref name="tokensRead"/>, when given, receives each token record's tokens as read (before the vocabulary
    /// maps an unknown one to &lt;unk&gt;), null for a numeric record.
    /// </summary>
    public static SequenceExample[] Encode(PredictRequest request, IPredictionEngine engine, int maxRecords, int maxLength,
        Action<long> checkSteps, List<IReadOnlyList<string>?>? tokensRead = null)
    {
        var records = request.Records ?? throw new BadRequestException("records", "records: required, an array of {\"tokens\": [...]}, {\"text\": \"...\"} or {\"steps\": [[...], ...]}.");
        if (records.Count == 0)
            throw new BadRequestException("records", "records: give at least one record.");
        if (records.Count > maxRecords)
            throw new BadRequestException("records", $"records: {records.Count} records are more than the limit of {maxRecords} per request (Recurrent:MaxPredictRecords).");
        var examples = new SequenceExample[records.Count];
        long total = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i] ?? throw new BadRequestException($"records[{i}]", $"records[{i}]: must be an object, not null.");
            IReadOnlyList<string>? read = null;
            examples[i] = engine.InputKind == InputKind.Tokens
                ? Tokens(record, i, engine.Vocabulary!, engine.TokenUnit, maxLength, out read)
                : Steps(record, i, engine.FeatureCount, maxLength);
            tokensRead?.Add(read);
            total += examples[i].Length;
            checkSteps(total);
        }
        return examples;
    }

    private static SequenceExample Tokens(PredictRecord record, int i, Vocabulary vocabulary, TokenUnit unit, int maxLength,
        out IReadOnlyList<string> read)
    {
        if (record.Steps is not null)
            throw new BadRequestException($"records[{i}].steps", $"records[{i}].steps: this model reads tokens; give \"tokens\" or \"text\".");
        if (record.Tokens is not null == record.Text is not null)
            throw new BadRequestException($"records[{i}]", $"records[{i}]: give exactly one of \"tokens\" and \"text\".");
        // A character model reads text as it was trained on it: every character (Unicode scalar value) a token.
        var tokens = record.Tokens ?? (unit == TokenUnit.Character
            ? [.. record.Text!.EnumerateRunes().Select(r => r.ToString())]
            : TextTokenizer.Tokenize(record.Text!));
        var field = record.Tokens is null ? "text" : "tokens";
        CheckLength(tokens.Count, $"records[{i}].{field}", maxLength);
        for (var t = 0; t < tokens.Count; t++)
        {
            if (tokens[t] is null)
                throw new BadRequestException($"records[{i}].tokens[{t}]", $"records[{i}].tokens[{t}]: expected a string, not null.");
        }
        read = tokens;
        return SequenceExample.FromTokens(vocabulary.Encode(tokens), 0);
    }

    private static SequenceExample Steps(PredictRecord record, int i, int width, int maxLength)
    {
        var field = $"records[{i}].steps";
        if (record.Tokens is not null || record.Text is not null)
            throw new BadRequestException($"records[{i}]", $"records[{i}]: this model reads numeric steps of {width} features; give \"steps\".");
        if (record.Steps is not { ValueKind: JsonValueKind.Array } steps)
            throw new BadRequestException(field, $"{field}: required, an array of steps of {width} numbers each.");
        var count = steps.GetArrayLength();
        CheckLength(count, field, maxLength);
        var values = new float[count * width];
        var t = 0;
        foreach (var step in steps.EnumerateArray())
        {
            var stepField = $"{field}[{t}]";
            if (step.ValueKind == JsonValueKind.Number)
            {
                if (width != 1)
                    throw new BadRequestException(stepField, $"{stepField}: a bare number is a step of 1 feature, but the model takes {width} features per step.");
                values[t] = Number(step, stepField);
            }
            else if (step.ValueKind == JsonValueKind.Array)
            {
                if (step.GetArrayLength() != width)
                    throw new BadRequestException(stepField, $"{stepField}: has {step.GetArrayLength()} features but the model takes {width} features per step.");
                var f = 0;
                foreach (var value in step.EnumerateArray())
                {
                    values[t * width + f] = Number(value, $"{stepField}[{f}]");
                    f++;
                }
            }
            else
            {
                throw new BadRequestException(stepField, $"{stepField}: expected an array of {width} numbers.");
            }
            t++;
        }
        return SequenceExample.FromSteps(values, width, 0);
    }

    private static float Number(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetSingle(out var f) && float.IsFinite(f)
            ? f
            : throw new BadRequestException(field, $"{field}: expected a finite number within float range.");

    private static void CheckLength(int length, string field, int maxLength)
    {
        if (length == 0)
            throw new BadRequestException(field, $"{field}: a sequence needs at least one step.");
        if (length > maxLength)
            throw new BadRequestException(field, $"{field}: {length} steps are more than the service's limit of {maxLength} (Recurrent:MaxSequenceLength).");
    }
}
