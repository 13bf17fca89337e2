using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.OpenApi;
using Recurrent.Host.Training;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// The OpenAPI schema of a run request, from the options' declarations: each option's default (a new
/// <see cref="RunRequest"/>'s, so the service's own), an enum as the names it reads and writes (<c>echo-state</c>),
/// and every deprecated spelling marked deprecated with what to write instead. ASP.NET Core documents the rest from
/// the same declarations itself: the ranges (<see cref="System.ComponentModel.DataAnnotations.RangeAttribute"/>) and
/// the help (the properties' documentation).
/// </summary>
internal static class TrainingRequestSchema
{
    private static readonly RunRequest Defaults = new();

    public static void Describe(OpenApiSchema schema, JsonTypeInfo type, JsonPropertyInfo? property)
    {
        // An option's enum: one schema per type, shared by every property of that type.
        if (type.Type.IsEnum && TrainingOptions.All.Any(o => o.ValueType == type.Type))
        {
            schema.Type = JsonSchemaType.String;
            schema.Enum = [.. Enum.GetValues(type.Type).Cast<Enum>().Select(v => (JsonNode)JsonValue.Create(TrainingOptions.ValueName(v)))];
            return;
        }
        if (property is null || !property.DeclaringType.IsAssignableTo(typeof(Recurrent.Trainer.SequenceModelOptions)))
            return;
        if (property.AttributeProvider is PropertyInfo declared && TrainingOptions.Named(declared.Name) is { } option)
            schema.Default = Json(option.DefaultIn(Defaults));
        else if (DeprecatedSpellings.OfJson(property.Name) is { } old)
        {
            schema.Deprecated = true;
            schema.Description = $"Deprecated: {old.Warning(FieldSpelling.Json)}";
        }
    }

    // A default as the request writes it; none (null) and lists are left out.
    private static JsonNode? Json(object? value) => value switch
    {
        bool b => JsonValue.Create(b),
        Enum e => JsonValue.Create(TrainingOptions.ValueName(e)),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        float or double => JsonValue.Create(double.Parse(TrainingOption.Format(value), System.Globalization.CultureInfo.InvariantCulture)),
        _ => null,
    };
}
