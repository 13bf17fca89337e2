using System.CommandLine;
using Recurrent.Host.Training;

namespace Recurrent.Host.Commands;

/// <summary>
/// The command-line flags of every training option, derived from the declarations (<see cref="TrainingOptions"/>):
/// <c>--clip-norm</c> with the option's help, default and range; a switch (<c>--bidirectional</c>, or
/// <c>--use-bias false</c>) for a Boolean; every other value read by the option's own parser, so a refusal reads as
/// the service's. The deprecated spellings (<c>--lr</c>) are hidden flags that still work and warn.
/// </summary>
internal sealed class TrainingFlags
{
    private readonly List<(TrainingOption Option, Option Flag)> _flags = [];
    private readonly List<(DeprecatedSpelling Old, Option Flag)> _deprecated = [];

    public TrainingFlags()
    {
        var defaults = new TrainingRequest();
        foreach (var option in TrainingOptions.All)
            _flags.Add((option, Create(option, defaults)));
        foreach (var old in DeprecatedSpellings.All)
            _deprecated.Add((old, CreateDeprecated(old)));
    }

    /// <summary>The flag of an option (by its property name).</summary>
    public Option this[string name] => _flags.First(f => f.Option.Name == name).Flag;

    public void AddTo(Command command)
    {
        foreach (var (_, flag) in _flags)
            command.Add(flag);
        foreach (var (_, flag) in _deprecated)
            command.Add(flag);
    }

    /// <summary>
    /// The flags given as a training request: each option the user gave, parsed by the option; the rest keep their
    /// defaults. A deprecated flag sets its option and writes a warning to <paramref name="warnings"/>.
    /// </summary>
    public TrainingRequest ToRequest(ParseResult parse, TextWriter? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var request = new TrainingRequest();
        foreach (var (option, flag) in _flags)
        {
            if (parse.GetResult(flag) is not { Implicit: false })
                continue;
            request.Gave(option.Name, option.JsonName);
            option.Property.SetValue(request, flag is Option<bool> b
                ? parse.GetValue(b)
                : option.Parse(parse.GetValue((Option<string>)flag)!, FieldSpelling.CommandLine));
        }
        foreach (var (old, flag) in _deprecated)
        {
            if (parse.GetResult(flag) is not { Implicit: false })
                continue;
            warnings?.WriteLine($"recurrent: {old.Warning(FieldSpelling.CommandLine)}");
            request.Gave(old.Option, old.JsonName);
            var value = flag is Option<bool> b ? parse.GetValue(b) : ParseOld(old, parse.GetValue((Option<string>)flag)!);
            old.Apply(request, value, FieldSpelling.CommandLine);
        }
        return request;
    }

    // An old spelling's text: as it was (bptt, truncate), or as its option reads it; "none" for an old optional field.
    private static object? ParseOld(DeprecatedSpelling old, string text)
    {
        if (old.Type == typeof(string))
            return text;
        if (Nullable.GetUnderlyingType(old.Type) is not null && text.Equals("none", StringComparison.OrdinalIgnoreCase))
            return null;
        return TrainingOptions.Named(old.Option)!.Parse(text, FieldSpelling.CommandLine);
    }

    private static Option Create(TrainingOption option, TrainingRequest defaults)
    {
        var help = option.Description + Suffix(option, defaults);
        if (option.Type == typeof(bool))
            return new Option<bool>(option.Flag) { Description = help };
        return new Option<string>(option.Flag) { Description = help, HelpName = Placeholder(option) };
    }

    private static Option CreateDeprecated(DeprecatedSpelling old)
    {
        var help = $"Deprecated: {old.Warning(FieldSpelling.CommandLine)}";
        return old.Type == typeof(bool)
            ? new Option<bool>(old.Flag) { Description = help, Hidden = true }
            : new Option<string>(old.Flag) { Description = help, Hidden = true };
    }

    // " (default 64; at least 1)"
    private static string Suffix(TrainingOption option, TrainingRequest defaults)
    {
        var value = option.DefaultIn(defaults);
        var parts = new List<string>();
        if (option.Type != typeof(bool) || value is true)
            parts.Add($"default {TrainingOption.Format(value)}");
        if (option.Rule is { } rule)
            parts.Add(rule.Replace("must be ", "", StringComparison.Ordinal).Replace("must not be negative", "not negative", StringComparison.Ordinal));
        return parts.Count == 0 ? "" : $" ({string.Join("; ", parts)})";
    }

    private static string Placeholder(TrainingOption option)
    {
        var type = option.ValueType;
        if (type.IsEnum)
            return string.Join('|', Enum.GetValues(type).Cast<Enum>().Select(TrainingOptions.ValueName));
        if (type == typeof(IReadOnlyList<int>))
            return "D1,D2,...";
        return type == typeof(int) || type == typeof(long) ? "N" : "X";
    }
}
