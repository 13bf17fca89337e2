using System.Text.Json;
using System.Text.Json.Nodes;

namespace Recurrent.Host.Tests.Support;

/// <summary>
/// Checks a JSON value against a schema of an OpenAPI 3.1 document (JSON Schema 2020-12): <c>$ref</c> into the
/// document's components, <c>oneOf</c>/<c>anyOf</c>/<c>allOf</c>, <c>type</c> (with <c>null</c>), <c>enum</c>,
/// <c>properties</c> with <c>required</c>, <c>items</c>. An object may carry no property its schema does not
/// declare unless the schema allows more (<c>additionalProperties</c>), so a field the document forgot is caught.
/// </summary>
internal sealed class OpenApiSchema(JsonObject document)
{
    /// <summary>Every way <paramref name="value"/> breaks <paramref name="schema"/>, each with its path; empty when it conforms.</summary>
    public List<string> Check(JsonNode schema, JsonNode? value, string path = "$")
    {
        var errors = new List<string>();
        Check(schema, value, path, errors);
        return errors;
    }

    private void Check(JsonNode schema, JsonNode? value, string path, List<string> errors)
    {
        if (schema is JsonValue flag && flag.TryGetValue<bool>(out var allowed))
        {
            if (!allowed)
                errors.Add($"{path}: not allowed");
            return;
        }
        if (schema["$ref"] is { } reference)
        {
            var name = ((string)reference!).Split('/')[^1];
            Check(document["components"]!["schemas"]![name]!, value, path, errors);
        }
        foreach (var keyword in new[] { "oneOf", "anyOf" })
        {
            if (schema[keyword] is JsonArray choices && !choices.Any(c => Check(c!, value, path).Count == 0))
                errors.Add($"{path}: matches none of {keyword} ({string.Join(" | ", choices.SelectMany(c => Check(c!, value, path)).Take(3))})");
        }
        if (schema["allOf"] is JsonArray all)
        {
            foreach (var part in all)
                Check(part!, value, path, errors);
        }
        if (schema["type"] is { } type)
        {
            var types = type is JsonArray list ? list.Select(t => (string)t!).ToArray() : [(string)type!];
            if (!types.Any(t => IsType(value, t)))
            {
                errors.Add($"{path}: {Kind(value)} where the schema says {string.Join(" or ", types)}");
                return;
            }
        }
        if (schema["enum"] is JsonArray values && !values.Any(v => JsonNode.DeepEquals(v, value)))
            errors.Add($"{path}: {value?.ToJsonString()} is not one of {values.ToJsonString()}");
        if (value is JsonObject obj && (schema["properties"] is JsonObject || schema["required"] is JsonArray))
        {
            var properties = schema["properties"]?.AsObject() ?? [];
            foreach (var required in schema["required"]?.AsArray() ?? [])
            {
                if (!obj.ContainsKey((string)required!))
                    errors.Add($"{path}: the required '{required}' is missing");
            }
            foreach (var (name, child) in obj)
            {
                if (properties[name] is { } childSchema)
                    Check(childSchema, child, $"{path}.{name}", errors);
                else if (schema["additionalProperties"] is { } more)
                    Check(more, child, $"{path}.{name}", errors);
                else
                    errors.Add($"{path}: '{name}' is not in the schema");
            }
        }
        if (value is JsonArray array && schema["items"] is { } items)
        {
            for (var i = 0; i < array.Count; i++)
                Check(items, array[i], $"{path}[{i}]", errors);
        }
    }

    private static bool IsType(JsonNode? value, string type) => type switch
    {
        "null" => value is null,
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        "string" => value is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "boolean" => value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "number" => value is JsonValue v && v.GetValueKind() == JsonValueKind.Number,
        "integer" => value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out _),
        _ => false,
    };

    private static string Kind(JsonNode? value) => value is null ? "null" : value.GetValueKind().ToString().ToLowerInvariant();
}
