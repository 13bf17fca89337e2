using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recurrent.Diagnostics;

/// <summary>The JSON of the gradient figures: snake_case names; NaN and infinities are null (JSON has no NaN).</summary>
public static class GradientJson
{
    /// <summary>Web defaults with snake_case names; the records' own converters write non-finite numbers as null.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}

/// <summary>A double that may be NaN or infinite: written as null then, and null reads back as NaN.</summary>
public sealed class NonFiniteAsNullConverter : JsonConverter<double>
{
    /// <inheritdoc/>
    public override bool HandleNull => true;

    /// <inheritdoc/>
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value))
            writer.WriteNumberValue(value);
        else
            writer.WriteNullValue();
    }
}

/// <summary>An array of doubles whose non-finite elements are written as null (and read back as NaN).</summary>
public sealed class NonFiniteAsNullArrayConverter : JsonConverter<double[]>
{
    private static readonly NonFiniteAsNullConverter Element = new();

    /// <inheritdoc/>
    public override double[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException($"Expected an array of numbers, not {reader.TokenType}.");
        var values = new List<double>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            values.Add(Element.Read(ref reader, typeof(double), options));
        return [.. values];
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, double[] value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var v in value)
            Element.Write(writer, v, options);
        writer.WriteEndArray();
    }
}
