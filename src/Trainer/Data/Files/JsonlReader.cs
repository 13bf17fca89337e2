using System.Text.Json;

namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// Reads JSON Lines datasets, one object per line: <c>{"label": ..., "tokens": ["cat", "mat"]}</c> or
/// <c>{"label": ..., "steps": [[0.1, 2.0], [0.3, 1.5]]}</c>, where a step may also be a bare number (width 1).
/// Instead of one <c>label</c>, a line may label every step with an array of as many labels as steps,
/// <c>"labels"</c> or <c>"targets"</c> (the same thing under two names), where <c>null</c> leaves a step unlabelled.
/// Blank lines are skipped and other properties are ignored. Every sequence of a file must be of one kind, labelled
/// one way and, for steps, of one width. The file is streamed a line at a time.
/// </summary>
internal static class JsonlReader
{
    /// <summary>Reads at most <paramref name="limit"/> sequences (all when null).</summary>
    /// <remarks>With <paramref name="labelsOptional"/> a line may leave out its label (data to predict).</remarks>
    public static RawFile Read(string path, int? limit = null, bool labelsOptional = false, CancellationToken cancellation = default)
    {
        var shape = new RawFileShape();
        var sequences = Stream(path, shape, limit, labelsOptional, cancellation).ToList();
        return new RawFile(path, shape.Kind!.Value, shape.Width, sequences) { PerStep = shape.PerStep };
    }

    /// <summary>
    /// The sequences one at a time, each checked against those before it (one kind, one width, labelled one way);
    /// <paramref name="shape"/> holds what the file has shown so far. Holds one line in memory, never the file.
    /// </summary>
    public static IEnumerable<RawSequence> Stream(string path, RawFileShape shape, int? limit = null, bool labelsOptional = false,
        CancellationToken cancellation = default)
    {
        var kind = (InputKind?)null;
        var width = 0;
        long firstLine = 0;
        bool? perStep = null;
        long firstLabelledLine = 0;
        using var reader = DataFile.OpenText(path);
        long line = 0;
        var count = 0;
        while ((limit is null || count < limit) && reader.ReadLine() is { } text)
        {
            cancellation.ThrowIfCancellationRequested();
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
            var labelledPerStep = sequence.StepLabels is not null;
            if (labelledPerStep || !sequence.Label.IsMissing)
            {
                if (perStep is null)
                {
                    perStep = labelledPerStep;
                    firstLabelledLine = line;
                }
                else if (perStep != labelledPerStep)
                {
                    throw new DataFormatException(path, line, labelledPerStep ? "labels" : "label",
                        $"this line has {(labelledPerStep ? "a label per step" : "one label")} but line {firstLabelledLine} has " +
                        $"{(labelledPerStep ? "one label" : "a label per step")}; a file labels its sequences one way");
                }
            }
            shape.Kind = kind;
            shape.Width = width;
            shape.PerStep = perStep ?? false;
            count++;
            yield return sequence;
        }
        if (kind is null)
            throw new DataFormatException(path, null, null, "the file holds no sequences");
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
            JsonElement? label = null, tokens = null, steps = null, stepLabels = null;
            string? stepLabelsName = null;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "label":
                        label = Once(label, property, path, line);
                        break;
                    case "labels" or "targets":
                        if (stepLabels is not null)
                            throw new DataFormatException(path, line, property.Name, stepLabelsName == property.Name
                                ? "the property appears twice"
                                : "a line has \"labels\" or \"targets\" (the same thing), not both");
                        stepLabels = property.Value;
                        stepLabelsName = property.Name;
                        break;
                    case "tokens":
                        tokens = Once(tokens, property, path, line);
                        break;
                    case "steps":
                        steps = Once(steps, property, path, line);
                        break;
                }
            }
            if (stepLabels is not null && label is not null)
                throw new DataFormatException(path, line, stepLabelsName,
                    $"a line has one \"label\" or a label per step (\"{stepLabelsName}\"), not both");
            var rawLabel = stepLabels is not null || (labelsOptional && label is null) ? RawLabel.Missing : ReadLabel(label, path, line);
            if (tokens is not null && steps is not null)
                throw new DataFormatException(path, line, "steps",
                    "a line has either \"tokens\" or \"steps\", not both");
            RawSequence sequence;
            if (tokens is { } t)
            {
                sequence = new RawSequence(ReadTokens(t, path, line), null, 0, rawLabel, line);
            }
            else if (steps is { } s)
            {
                var values = ReadSteps(s, path, line, out var width);
                sequence = new RawSequence(null, values, width, rawLabel, line);
            }
            else
            {
                throw new DataFormatException(path, line, "tokens",
                    "missing the sequence: expected a \"tokens\" array of strings or a \"steps\" array");
            }
            return stepLabels is { } labels
                ? sequence with { StepLabels = ReadStepLabels(labels, stepLabelsName!, sequence, path, line) }
                : sequence;
        }
    }

    // One label per step: a string, a number, or null for a step without a label.
    private static RawLabel[] ReadStepLabels(JsonElement labels, string name, RawSequence sequence, string path, long line)
    {
        if (labels.ValueKind != JsonValueKind.Array)
            throw new DataFormatException(path, line, name,
                $"expected an array with a label per step but found {Article(labels.ValueKind)}");
        var steps = sequence.Tokens is null ? "steps" : "tokens";
        var count = labels.GetArrayLength();
        if (count != sequence.Length)
            throw new DataFormatException(path, line, name,
                $"{count} {Plural(count, "label")} for {sequence.Length} {Plural(sequence.Length, steps[..^1])}; " +
                $"a label per step needs exactly one for each of the {steps} (null for a step without a label)");
        var result = new RawLabel[count];
        var i = 0;
        foreach (var label in labels.EnumerateArray())
        {
            var field = $"{name}[{i}]";
            result[i++] = label.ValueKind switch
            {
                JsonValueKind.Null => RawLabel.Missing,
                JsonValueKind.String when label.GetString() is { Length: > 0 } text => RawLabel.FromName(text),
                JsonValueKind.String => throw new DataFormatException(path, line, field,
                    "an empty label; write null for a step without a label"),
                JsonValueKind.Number => RawLabel.FromNumber(FiniteNumber(label, path, line, field)),
                _ => throw new DataFormatException(path, line, field,
                    $"a label is a string, a number or null, not {Article(label.ValueKind)}"),
            };
        }
        return result;
    }

    private static string Plural(int count, string noun) => count == 1 ? noun : noun + "s";

    private static JsonElement Once(JsonElement? seen, JsonProperty property, string path, long line) =>
        seen is null
            ? property.Value
            : throw new DataFormatException(path, line, property.Name, "the property appears twice");

    private static RawLabel ReadLabel(JsonElement? label, string path, long line)
    {
        switch (label?.ValueKind)
        {
            case null or JsonValueKind.Null:
                throw new DataFormatException(path, line, "label",
                    "missing label: expected \"label\", or \"labels\" with one per step");
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
