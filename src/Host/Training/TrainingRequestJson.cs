using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Recurrent.Host.Training;

/// <summary>
/// A training request in JSON, derived from the declarations: every option is its snake_case field
/// (<see cref="TrainingOption.JsonName"/>), an enum is read and written by its name as users spell it
/// (<c>echo-state</c>), and every <see cref="DeprecatedSpellings">deprecated spelling</see> is read (never written).
/// Each field read is recorded on the request, so one option given under two spellings is refused. Plugged into a
/// serializer as a contract modifier (<see cref="Modify"/>).
/// </summary>
public static class TrainingRequestJson
{
    /// <summary>Adapts the contract of <see cref="TrainingRequest"/> and every type derived from it.</summary>
    public static void Modify(JsonTypeInfo type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.Kind != JsonTypeInfoKind.Object || !type.Type.IsAssignableTo(typeof(TrainingRequest)))
            return;
        foreach (var property in type.Properties)
        {
            if (property.AttributeProvider is not System.Reflection.PropertyInfo declared || TrainingOptions.Named(declared.Name) is not { } option)
                continue;
            if (option.ValueType.IsEnum)
                property.CustomConverter = EnumConverter(option.ValueType, option.JsonName);
            if (option.Name == nameof(TrainingRequest.Layers))
            {
                // The count of dilations sets the layers: a stored request read again must not find a layer count
                // the user never gave that disagrees with them.
                property.ShouldSerialize = (request, _) =>
                    ((TrainingRequest)request).WasGiven(option.Name) || ((TrainingRequest)request).Dilations is null;
            }
            var set = property.Set;
            if (set is not null)
                property.Set = (request, value) =>
                {
                    ((TrainingRequest)request).Gave(option.Name, option.JsonName);
                    set(request, value);
                };
        }
        foreach (var old in DeprecatedSpellings.All)
        {
            var alias = type.CreateJsonPropertyInfo(old.Type, old.JsonName);
            var target = TrainingOptions.Named(old.Option)!;
            if (old.Type == target.Type && target.ValueType.IsEnum)
                alias.CustomConverter = EnumConverter(target.ValueType, old.JsonName);
            alias.Set = (request, value) =>
            {
                var r = (TrainingRequest)request;
                r.Gave(old.Option, old.JsonName);
                try
                {
                    old.Apply(r, value, FieldSpelling.Json);
                }
                catch (TrainingRequestException e)
                {
                    throw new OptionValueException(e.Field, e.Message);
                }
            };
            type.Properties.Add(alias);
        }
    }

    private static JsonConverter EnumConverter(Type enumType, string field) =>
        (JsonConverter)Activator.CreateInstance(typeof(OptionEnumConverter<>).MakeGenericType(enumType), field)!;

    /// <summary>An option's enum value by its name as users spell it; a name it does not know is refused naming the field.</summary>
    private sealed class OptionEnumConverter<T>(string field) : JsonConverter<T>
        where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (text is not null && !int.TryParse(text, out _)
                && Enum.TryParse<T>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var value) && Enum.IsDefined(value))
                return value;
            throw new OptionValueException(field, $"{field}: {TrainingOptions.NotOneOf(typeof(T), text ?? Token(ref reader))}");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(TrainingOptions.ValueName(value));

        private static string Token(ref Utf8JsonReader reader) => reader.TokenType switch
        {
            JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null =>
                System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            _ => reader.TokenType.ToString(),
        };
    }
}

/// <summary>A training option's value refused while reading JSON: <see cref="Field"/> and the whole refusal, <see cref="Problem"/>.</summary>
public sealed class OptionValueException(string field, string problem) : JsonException(problem)
{
    /// <summary>The field at fault, as the request spelled it.</summary>
    public string Field { get; } = field;

    /// <summary>The refusal, starting with the field: <c>cell: 'transformer' is not one of rnn, lstm, gru.</c></summary>
    public string Problem { get; } = problem;
}
