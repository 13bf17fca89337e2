using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Recurrent.Trainer;

/// <summary>
/// An option whose value cannot work: <see cref="Option"/> is the property's name, and <see cref="Text"/> says why,
/// without its subject ("must be at least 1"); other options it names are <c>{0}</c>, <c>{1}</c> in the text and
/// their names in <see cref="Others"/>, so each caller spells every option its own way (the engine by its property
/// name, the command line as <c>--clip-norm</c>, the service as <c>clip_norm</c>).
/// </summary>
internal sealed record OptionProblem(string Option, string Text, params string[] Others)
{
    /// <summary>The problem with every other option's name spelled by <paramref name="spell"/>.</summary>
    public string Describe(Func<string, string> spell) =>
        string.Format(CultureInfo.InvariantCulture, Text, [.. Others.Select(spell)]);
}

/// <summary>
/// Checks options against their declared ranges: every public settable property with a <see cref="RangeAttribute"/>
/// (the one declaration of what the option accepts), and for every number that it is finite. A null value (an option
/// left unset) is always in range.
/// </summary>
internal static class OptionBounds
{
    private static readonly ConcurrentDictionary<Type, (PropertyInfo Property, RangeAttribute? Range)[]> Declared = new();

    /// <summary>The first property of <paramref name="options"/>, in declaration order, whose value is out of range.</summary>
    public static OptionProblem? FirstViolation(object options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (property, range) in Declared.GetOrAdd(options.GetType(), Declare))
        {
            if (property.GetValue(options) is { } value && !InRange(value, range))
                return new OptionProblem(property.Name, Rule(range));
        }
        return null;
    }

    /// <summary>"must be at least 1", "must be a positive number", "must be in [0, 1)": the range as a user reads it.</summary>
    public static string Rule(RangeAttribute? range)
    {
        if (range is null)
            return "must be finite";
        double min = Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
        double max = Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
        var unbounded = double.IsPositiveInfinity(max) || max >= int.MaxValue;
        return (min, unbounded, range.MinimumIsExclusive) switch
        {
            (0, true, true) => "must be a positive number",
            (0, true, false) => "must not be negative",
            (_, true, false) => Invariant($"must be at least {min}"),
            _ => Invariant($"must be in {(range.MinimumIsExclusive ? '(' : '[')}{min}, {max}{(range.MaximumIsExclusive ? ')' : ']')}"),
        };
    }

    /// <summary>The declared range of a property, or null.</summary>
    public static RangeAttribute? RangeOf(PropertyInfo property) => property.GetCustomAttribute<RangeAttribute>();

    private static bool InRange(object value, RangeAttribute? range)
    {
        var number = value switch
        {
            float f => f,
            double d => d,
            int i => i,
            long l => l,
            _ => (double?)null,
        };
        if (number is not double x)
            return true;
        if (!double.IsFinite(x))
            return false;
        if (range is null)
            return true;
        double min = Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
        double max = Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
        return (range.MinimumIsExclusive ? x > min : x >= min) && (range.MaximumIsExclusive ? x < max : x <= max);
    }

    // Base type's properties first, each type's in declaration order (metadata order, which is source order).
    private static (PropertyInfo, RangeAttribute?)[] Declare(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            chain.Insert(0, t);
        return [.. chain
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
            .Select(p => (p, RangeOf(p)))];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
