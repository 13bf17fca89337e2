using System.CommandLine;
using Recurrent.Host.Cli;

namespace Recurrent.Host;

/// <summary>The `recurrent` command line.</summary>
internal static class CommandLine
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("Recurrent: train, watch and export recurrent sequence classifiers.")
        {
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            PredictCommand.Create(),
            ExportCommand.Create(),
            BenchCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
