using System.Text.Json;

namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// Reads JSON Lines datasets, one object per line: <c>{"label": ..., "tokens": ["cat", "mat"]}</c> or
/// <c>{"label": ..., "steps": [[0.1, 2.0], [0.3, 1.5]]}</c>, where a step may also be a bare number (width 1).
/// Blank lines are skipped and other properties are ignored. Every sequence of a file must be of one kind and,
/// for steps, of one width. The file is streamed a line at a time.
/// </summary>
internal static class JsonlReader
{
    /// <summary>Reads at most <paramref name="limit"/> sequences (all when null).</summary>
    /// <remarks>With <paramref name="labelsOptional"/> a line may leave out its label (data to predict).</remarks>
    public static RawFile Read(string path, int? limit = null, bool labelsOptional = false)
    {
        var sequences = new List<RawSequence>();
        var kind = (InputKind?)null;
        var width = 0;
        long firstLine = 0;
        using var reader = DataFile.OpenText(path);
        long line = 0;
        while ((limit is null || sequences.Count < limit) && reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
                continue;
            var sequence = ParseLine(path, line, text, labelsOptional);
            var sequenceKind = sequence.Tokens is null ? InputKind.Numeric : InputKind.Tokens;
            var sequenceWidth = sequence.Width;
            if (kind is null)
            {
                kind = sequenceKind;
                width = sequenceWidth;
                firstLine = line;
            }
            else if (kind != sequenceKind)
            {
                throw new DataFormatException(path, line, sequenceKind == InputKind.Tokens ? "tokens" : "steps",
                    $"this line has {Describe(sequenceKind)} but line {firstLine} has {Describe(kind.Value)}; " +
                    "a file holds one kind of sequence");
            }
            else if (width != sequenceWidth)
            {
                throw new DataFormatException(path, line, "steps",
                    $"steps have {sequenceWidth} values each but the steps of line {firstLine} have {width}; " +
                    "every step in a file must have the same width");
            }
            sequences.Add(sequence);
        }
        if (kind is null)
            throw new DataFormatException(path, null, null, "the file holds no sequences");
        return new RawFile(path, kind.Value, width, sequences);
    }

    private static string Describe(InputKind kind) => kind == InputKind.Tokens ? "\"tokens\"" : "numeric \"steps\"";

    private static RawSequence ParseLine(string path, long line, string text, bool labelsOptional)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, line, null,
                $"malformed JSON at character {(e.BytePositionInLine ?? 0) + 1}: {WithoutPosition(e.Message)}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new DataFormatException(path, line, null,
                    $"expected a JSON object per line but found {Article(root.ValueKind)}");
            JsonElement? label = null, tokens = null, steps = null;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "label":
                        label = Once(label, property, path, line);
                        break;
                    case "tokens":
                        tokens = Once(tokens, property, path, line);
                        break;
                    case "steps":
                        steps = Once(steps, property, path, line);
                        break;
                }
            }
            var rawLabel = labelsOptional && label is null ? RawLabel.Missing : ReadLabel(label, path, line);
            if (tokens is not null && steps is not null)
                throw new DataFormatException(path, line, "steps",
                    "a line has either \"tokens\" or \"steps\", not both");
            if (tokens is { } t)
                return new RawSequence(ReadTokens(t, path, line), null, 0, rawLabel, line);
            if (steps is { } s)
            {
                var values = ReadSteps(s, path, line, out var width);
                return new RawSequence(null, values, width, rawLabel, line);
            }
            throw new DataFormatException(path, line, "tokens",
                "missing the sequence: expected a \"tokens\" array of strings or a \"steps\" array");
        }
    }

    private static JsonElement Once(JsonElement? seen, JsonProperty property, string path, long line) =>
        seen is null
            ? property.Value
            : throw new DataFormatException(path, line, property.Name, "the property appears twice");

    private static RawLabel ReadLabel(JsonElement? label, string path, long line)
    {
        switch (label?.ValueKind)
        {
            case null or JsonValueKind.Null:
                throw new DataFormatException(path, line, "label", "missing label");
            case JsonValueKind.String:
                var name = label.Value.GetString()!;
                return name.Length > 0
                    ? RawLabel.FromName(name)
                    : throw new DataFormatException(path, line, "label", "missing label (empty string)");
            case JsonValueKind.Number:
                return RawLabel.FromNumber(FiniteNumber(label.Value, path, line, "label"));
            default:
                throw new DataFormatException(path, line, "label",
                    $"a label is a string or a number, not {Article(label.Value.ValueKind)}");
        }
    }

    private static string[] ReadTokens(JsonElement tokens, string path, long line)
    {
        if (tokens.ValueKind != JsonValueKind.Array)
            throw new DataFormatException(path, line, "tokens",
                $"expected an array of strings but found {Article(tokens.ValueKind)}");
        var result = new string[tokens.GetArrayLength()];
        if (result.Length == 0)
            throw new DataFormatException(path, line, "tokens", "empty sequence: the tokens array has no tokens");
        var i = 0;
        foreach (var token in tokens.EnumerateArray())
        {
            if (token.ValueKind != JsonValueKind.String)
                throw new DataFormatException(path, line, $"tokens[{i}]",
                    $"a token is a string, not {Article(token.ValueKind)}");
            result[i++] = token.GetString()!;
        }
        return result;
    }

    private static float[] ReadSteps(JsonElement steps, string path, long line, out int width)
    {
        if (steps.ValueKind != JsonValueKind.Array)
            throw new DataFormatException(path, line, "steps",
                $"expected an array of steps but found {Article(steps.ValueKind)}");
        var count = steps.GetArrayLength();
        if (count == 0)
            throw new DataFormatException(path, line, "steps", "empty sequence: the steps array has no steps");
        width = -1;
        var values = new List<float>();
        var i = 0;
        foreach (var step in steps.EnumerateArray())
        {
            var field = $"steps[{i}]";
            int stepWidth;
            if (step.ValueKind == JsonValueKind.Number)
            {
                values.Add(FiniteFloat(step, path, line, field));
                stepWidth = 1;
            }
            else if (step.ValueKind == JsonValueKind.Array)
            {
                stepWidth = step.GetArrayLength();
                if (stepWidth == 0)
                    throw new DataFormatException(path, line, field, "a step has no values");
                var j = 0;
                foreach (var value in step.EnumerateArray())
                {
                    if (value.ValueKind != JsonValueKind.Number)
                        throw new DataFormatException(path, line, $"{field}[{j}]",
                            $"a step value is a number, not {Article(value.ValueKind)}");
                    values.Add(FiniteFloat(value, path, line, $"{field}[{j}]"));
                    j++;
                }
            }
            else
            {
                throw new DataFormatException(path, line, field,
                    $"a step is a number or an array of numbers, not {Article(step.ValueKind)}");
            }
            if (width < 0)
                width = stepWidth;
            else if (stepWidth != width)
                throw new DataFormatException(path, line, field,
                    $"ragged steps: this step has {stepWidth} values but steps[0] has {width}");
            i++;
        }
        return values.ToArray();
    }

    private static double FiniteNumber(JsonElement element, string path, long line, string field)
    {
        // JSON text cannot spell NaN, but a literal such as 1e999 overflows to infinity.
        if (element.TryGetDouble(out var value) && double.IsFinite(value))
            return value;
        throw new DataFormatException(path, line, field,
            $"the value {element.GetRawText()} is not a finite number");
    }

    private static float FiniteFloat(JsonElement element, string path, long line, string field)
    {
        var value = (float)FiniteNumber(element, path, line, field);
        return float.IsFinite(value)
            ? value
            : throw new DataFormatException(path, line, field,
                $"the value {element.GetRawText()} is infinite as a 32-bit float");
    }

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    // System.Text.Json appends its own zero-based "LineNumber: 0 | BytePositionInLine: n." which would
    // contradict the file line we report.
    private static string WithoutPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }
}
