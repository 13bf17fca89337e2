using System.CommandLine;
using Recurrent.Host.Service;

namespace Recurrent.Host.Commands;

/// <summary>
/// The `recurrent` command line; with no arguments, or starting with one of serve's options (`recurrent --urls URL`, as
/// ASP.NET apps are run), it is `recurrent serve`.
/// </summary>
internal static class CommandLine
{
    public static int Run(string[] args)
    {
        // The benchmarks are their own executable and parse their own arguments, --help included.
        if (args.Length > 0 && args[0] == BenchCommand.Name)
            return BenchCommand.Run(args[1..]);
        var serve = ServeCommand.Create();
        var root = new RootCommand("Recurrent: train, watch and export recurrent sequence models.")
        {
            serve,
            SweepCommand.Create(),
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            PredictCommand.Create(),
            GenerateCommand.Create(),
            ExportCommand.Create(),
            BenchCommand.Create(),
            ExperimentCommand.Create(),
        };
        var parse = root.Parse(ServesByDefault(serve, args) ? ["serve", .. args] : args);
        // Usage errors are bad input like bad data: exit 2, with System.CommandLine's message.
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                Console.Error.WriteLine($"recurrent: {error.Message}");
            return ExitCodes.BadInput;
        }
        return parse.Invoke();
    }

    // No arguments, or serve's own options first (a mistyped option still gets the root's "unrecognized" error).
    private static bool ServesByDefault(Command serve, string[] args) =>
        args.Length == 0 || serve.Options.Any(option => option.Name == args[0].Split('=')[0]);
}
