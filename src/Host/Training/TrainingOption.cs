using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Recurrent.Trainer;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Training;

/// <summary>
/// One training option as every surface spells it, derived from its one declaration (a property of
/// <see cref="TrainingRequest"/>, most of them of <see cref="SequenceModelOptions"/>): the name is the property's,
/// the JSON field its snake_case (<c>clip_norm</c>), the flag its kebab-case (<c>--clip-norm</c>); the type, the
/// default, the range (<see cref="RangeAttribute"/>) and the help (<see cref="DescriptionAttribute"/>) are the
/// property's own.
/// </summary>
public sealed class TrainingOption
{
    private TrainingOption(PropertyInfo property)
    {
        Property = property;
        Description = property.GetCustomAttribute<DescriptionAttribute>()!.Description;
        Range = property.GetCustomAttribute<RangeAttribute>();
    }

    /// <summary>The declaring property.</summary>
    public PropertyInfo Property { get; }

    /// <summary>The option's one name: the property's (<c>ClipNorm</c>).</summary>
    public string Name => Property.Name;

    /// <summary>The JSON field: <c>clip_norm</c>.</summary>
    public string JsonName => TrainingOptions.JsonName(Name);

    /// <summary>The command-line flag: <c>--clip-norm</c>.</summary>
    public string Flag => TrainingOptions.Flag(Name);

    /// <summary>One line of help.</summary>
    public string Description { get; }

    /// <summary>What the option accepts, or null when any value of its type will do.</summary>
    public RangeAttribute? Range { get; }

    /// <summary>The property's type; a nullable option's "none" is null.</summary>
    public Type Type => Property.PropertyType;

    /// <summary>The type without <see cref="Nullable{T}"/>.</summary>
    public Type ValueType => Nullable.GetUnderlyingType(Type) ?? Type;

    /// <summary>True when the option may be left unset (null).</summary>
    public bool Optional => !Type.IsValueType || Nullable.GetUnderlyingType(Type) is not null;

    /// <summary>The value a request starts with (the engine's default, or the service's for a run request).</summary>
    public object? DefaultIn(TrainingRequest request) => Property.GetValue(request);

    /// <summary>"must be at least 1", or null when any value of the type will do.</summary>
    public string? Rule => Range is null ? null : OptionBounds.Rule(Range);

    /// <summary>A value as the user sees it: lstm, echo-state, 0.001, 1,2,4, none, true.</summary>
    public static string Format(object? value) => value switch
    {
        null => "none",
        bool b => b ? "true" : "false",
        Enum e => TrainingOptions.ValueName(e),
        IEnumerable<int> list => string.Join(',', list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// Reads the option's value from text (a flag's argument): numbers in invariant culture, enum names as users
    /// spell them, a list as 1,2,4, and "none" for an optional option. Refusals name the option as spelled.
    /// </summary>
    public object? Parse(string text, FieldSpelling spelling)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Optional && text.Equals("none", StringComparison.OrdinalIgnoreCase))
            return null;
        var type = ValueType;
        if (type.IsEnum)
            return TrainingOptions.ParseEnum(type, text, JsonName, spelling);
        if (type == typeof(IReadOnlyList<int>))
            return TrainingRequestMapper.ParseDilations(text, spelling);
        object? value = type switch
        {
            _ when type == typeof(int) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : null,
            _ when type == typeof(long) => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : null,
            _ when type == typeof(float) => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : null,
            _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null,
            _ when type == typeof(bool) => bool.TryParse(text, out var b) ? b : null,
            _ => null,
        };
        return value ?? throw new TrainingRequestException(JsonName,
            $"{TrainingRequestMapper.Spell(JsonName, spelling)}: '{text}' is not {Expected()}.");
    }

    private string Expected()
    {
        var type = ValueType;
        var what = type == typeof(int) || type == typeof(long) ? "a whole number" : type == typeof(bool) ? "true or false" : "a number";
        return Optional ? what + " or none" : what;
    }

    internal static TrainingOption Of(PropertyInfo property) => new(property);
}

/// <summary>Every training option, derived from the declarations, and the spelling rules.</summary>
public static class TrainingOptions
{
    /// <summary>
    /// The options of a training request in declaration order: every public settable property of
    /// <see cref="TrainingRequest"/> and its base that declares its help (<see cref="DescriptionAttribute"/>).
    /// </summary>
    public static IReadOnlyList<TrainingOption> All { get; } = Declare();

    private static readonly Dictionary<string, TrainingOption> ByName = All.ToDictionary(o => o.Name, StringComparer.Ordinal);
    private static readonly Dictionary<string, TrainingOption> ByJsonName = All.ToDictionary(o => o.JsonName, StringComparer.Ordinal);

    /// <summary>The option of a property name (<c>ClipNorm</c>), or null.</summary>
    public static TrainingOption? Named(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The option of a JSON field (<c>clip_norm</c>), or null; deprecated spellings are not options.</summary>
    public static TrainingOption? OfJson(string field) => ByJsonName.GetValueOrDefault(field);

    /// <summary><c>ClipNorm</c> → <c>clip_norm</c>.</summary>
    public static string JsonName(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    /// <summary><c>ClipNorm</c> → <c>--clip-norm</c>.</summary>
    public static string Flag(string name) => "--" + JsonNamingPolicy.KebabCaseLower.ConvertName(name);

    /// <summary>An enum value as users write it: <c>EchoState</c> → <c>echo-state</c>.</summary>
    public static string ValueName(Enum value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
    }

    /// <summary>A name of <paramref name="type"/> as users spell it: any case, multi-word names with hyphens (echo-state) or run together.</summary>
    public static object ParseEnum(Type type, string? text, string field, FieldSpelling spelling)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (text is not null && !int.TryParse(text, out _)
            && Enum.TryParse(type, text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var value)
            && Enum.IsDefined(type, value!))
            return value!;
        throw new TrainingRequestException(field,
            $"{TrainingRequestMapper.Spell(field, spelling)}: {NotOneOf(type, text)}");
    }

    /// <summary>"'transformer' is not one of rnn, lstm, gru."</summary>
    public static string NotOneOf(Type type, string? text) =>
        $"'{text}' is not one of {string.Join(", ", Enum.GetValues(type).Cast<Enum>().Select(ValueName))}.";

    private static TrainingOption[] Declare()
    {
        var chain = new List<Type>();
        for (var t = typeof(TrainingRequest); t is not null && t != typeof(object); t = t.BaseType)
            chain.Insert(0, t);
        return [.. chain
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(p => p.CanWrite && p.GetCustomAttribute<DescriptionAttribute>() is not null)
            .Select(TrainingOption.Of)];
    }
}
