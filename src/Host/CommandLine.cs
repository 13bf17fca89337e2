namespace Recurrent.Host;

/// <summary>The `recurrent` command line; commands are added as the engine grows.</summary>
internal static class CommandLine
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("recurrent: no commands yet.");
        return args.Length == 0 ? 0 : 2;
    }
}
