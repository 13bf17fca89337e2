using System.CommandLine;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Commands;

/// <summary>Options shared by several commands, spelled the same everywhere.</summary>
internal static class CliOptions
{
    public static Option<CellKind> Cell() => new("--cell")
    {
        Description = "Recurrent cell: lstm, gru or rnn.",
        DefaultValueFactory = _ => CellKind.Lstm,
        CustomParser = r => ParseEnum<CellKind>(r.Tokens[0].Value, "--cell", r),
    };

    public static Option<Activation> Activation() => new("--activation")
    {
        Description = "The rnn cell's non-linearity: tanh, relu or sigmoid.",
        DefaultValueFactory = _ => Trainer.Training.Activation.Tanh,
        CustomParser = r => ParseEnum<Activation>(r.Tokens[0].Value, "--activation", r),
    };

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object for scripts, no progress." };

    /// <summary>EchoState → echo-state.</summary>
    public static string Hyphenate(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    public static T ParseEnum<T>(string text, string option, System.CommandLine.Parsing.ArgumentResult result)
        where T : struct, Enum
    {
        // Multi-word names are spelled with hyphens on the command line: echo-state.
        if (Enum.TryParse<T>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var value)
            && Enum.IsDefined(value))
            return value;
        result.AddError($"{option}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(Hyphenate))}.");
        return default;
    }
}
