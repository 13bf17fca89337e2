using System.CommandLine;

namespace Recurrent.Host.Commands;

/// <summary>Options shared by several commands, spelled the same everywhere.</summary>
internal static class CliOptions
{
    // Names are kept as typed: the training request's one mapping parses and checks them, for every command alike.
    public static Option<string> Cell() => new("--cell")
    {
        Description = "Recurrent cell: lstm, gru or rnn.",
        DefaultValueFactory = _ => "lstm",
    };

    public static Option<string> Activation() => new("--activation")
    {
        Description = "The rnn cell's non-linearity: tanh, relu or sigmoid.",
        DefaultValueFactory = _ => "tanh",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object for scripts, no progress." };
}
