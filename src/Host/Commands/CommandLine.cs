using System.CommandLine;
using Recurrent.Host.Service;

namespace Recurrent.Host.Commands;

/// <summary>The `recurrent` command line; with no arguments it is `recurrent serve`.</summary>
internal static class CommandLine
{
    public static int Run(string[] args)
    {
        // The benchmarks are their own executable and parse their own arguments, --help included.
        if (args.Length > 0 && args[0] == BenchCommand.Name)
            return BenchCommand.Run(args[1..]);
        var root = new RootCommand("Recurrent: train, watch and export recurrent sequence models.")
        {
            ServeCommand.Create(),
            SweepCommand.Create(),
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            PredictCommand.Create(),
            GenerateCommand.Create(),
            ExportCommand.Create(),
            BenchCommand.Create(),
            ExperimentCommand.Create(),
        };
        var parse = root.Parse(args.Length == 0 ? ["serve"] : args);
        // Usage errors are bad input like bad data: exit 2, with System.CommandLine's message.
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                Console.Error.WriteLine($"recurrent: {error.Message}");
            return ExitCodes.BadInput;
        }
        return parse.Invoke();
    }
}
