using System.CommandLine;
using System.Diagnostics;
using System.Reflection;

namespace Recurrent.Host.Commands;

/// <summary>
/// `recurrent bench ARGS`: the benchmarks are an executable of their own (bench/Recurrent.Bench), so no timing code
/// is part of the product; this command runs it with the same arguments and answers with its exit code. It is
/// found beside recurrent.dll, or in the source tree recurrent.dll was built in, where it is built first when it is
/// missing or was built against other assemblies than the running ones (so it never times a stale engine).
/// </summary>
internal static class BenchCommand
{
    public const string Name = "bench";

    private const string Project = "bench/Recurrent.Bench/Recurrent.Bench.csproj";
    private const string Assembly = "Recurrent.Bench.dll";

    // What the benchmarks time and share: their copies must be the running ones.
    private static readonly string[] Product = ["recurrent.dll", "Recurrent.Trainer.dll", "Recurrent.Diagnostics.dll"];

    /// <summary>
    /// Tells the benchmarks the command they run as (<c>recurrent bench</c>), so their help's usage line says what the
    /// user typed rather than their own executable's name; unset when they are run directly.
    /// </summary>
    public const string InvokedAsVariable = "RECURRENT_BENCH_INVOKED_AS";

    /// <summary>The command as `recurrent --help` lists it; its arguments are the benchmarks' own (see <see cref="Run"/>).</summary>
    public static Command Create() =>
        new(Name, "Time training steps, inference against ONNX Runtime, the kernels or the scaling on this machine (`recurrent bench --help`).");

    public static int Run(string[] args)
    {
        if (Locate() is not { } bench)
        {
            Console.Error.WriteLine($"recurrent bench: the benchmarks ({Assembly}) are neither beside recurrent.dll nor in a source " +
                $"tree around it; build them with `dotnet build {Project} -c Release` in the repository.");
            return ExitCodes.BadInput;
        }
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.Environment[InvokedAsVariable] = $"{RootCommand.ExecutableName} {Name}";
        start.ArgumentList.Add(bench);
        foreach (var argument in args)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the benchmarks.");
        process.WaitForExit();
        return process.ExitCode;
    }

    private static string? Locate()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, Assembly);
        if (File.Exists(beside))
            return beside;
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var project = Path.Combine(folder.FullName, Project);
            if (!File.Exists(project))
                continue;
            var configuration = typeof(BenchCommand).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var built = Path.Combine(Path.GetDirectoryName(project)!, "bin", configuration, "net10.0", Assembly);
            if ((!File.Exists(built) || Stale(Path.GetDirectoryName(built)!)) && !Build(project, configuration))
                return null;
            return File.Exists(built) ? built : null;
        }
        return null;
    }

    private static bool Stale(string benchFolder) => Product.Any(name =>
    {
        var running = Path.Combine(AppContext.BaseDirectory, name);
        var copy = Path.Combine(benchFolder, name);
        return File.Exists(running) && (!File.Exists(copy) || !File.ReadAllBytes(running).AsSpan().SequenceEqual(File.ReadAllBytes(copy)));
    });

    // Against the product as it is built: its projects are not rebuilt under the running recurrent.dll.
    private static bool Build(string project, string configuration)
    {
        Console.Error.WriteLine($"recurrent bench: building the benchmarks ({project}, {configuration})");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { "build", project, "-c", configuration, "--no-dependencies", "--nologo", "-v", "quiet" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            Console.Error.WriteLine(output);
        return process.ExitCode == 0;
    }
}
