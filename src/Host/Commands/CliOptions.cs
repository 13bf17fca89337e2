using System.CommandLine;

namespace Recurrent.Host.Commands;

/// <summary>Options shared by several commands, spelled the same everywhere.</summary>
internal static class CliOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object for scripts, no progress." };
}
