using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.Packaging;

/// <summary>
/// The library packages, packed by scripts/pack.sh from a copy of the repository's sources into a temporary folder
/// feed, under a version of their own (so no earlier package in the machine's NuGet cache can stand in for them).
/// Shared by the consumer tests; the packages it put into the NuGet cache are removed with it.
/// </summary>
public sealed class PackageFeed : IDisposable
{
    private readonly TemporaryDirectory _work = new();

    public PackageFeed()
    {
        Version = $"{DeclaredVersion()}-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        var source = Path.Combine(_work.Path, "source");
        foreach (var path in new[] { "src/Trainer", "src/Diagnostics", "Directory.Build.props", "Directory.Build.targets", ".editorconfig", "scripts/pack.sh" })
            Copy(Path.Combine(RepositoryPaths.Root, path), Path.Combine(source, path));
        Directory = Path.Combine(_work.Path, "feed");
        PackOutput = Command.Run("bash", [Path.Combine(source, "scripts", "pack.sh"), Directory, "--version-suffix", Version.Split('-', 2)[1]], source);
    }

    /// <summary>The folder that serves as the feed.</summary>
    public string Directory { get; }

    /// <summary>The packages' version: the repository's, with a suffix of this run.</summary>
    public string Version { get; }

    public string PackOutput { get; }

    /// <summary>A scratch folder outside the repository.</summary>
    public string Scratch(string name) => System.IO.Directory.CreateDirectory(Path.Combine(_work.Path, name)).FullName;

    /// <summary>The .nuspec of one package.</summary>
    public XDocument Nuspec(string id)
    {
        using var zip = ZipFile.OpenRead(Path.Combine(Directory, $"{id}.{Version}.nupkg"));
        using var stream = zip.GetEntry($"{id}.nuspec")!.Open();
        return XDocument.Load(stream);
    }

    public IReadOnlyList<string> Entries(string file)
    {
        using var zip = ZipFile.OpenRead(Path.Combine(Directory, file));
        return zip.Entries.Select(e => e.FullName).ToArray();
    }

    private static string DeclaredVersion() =>
        XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;

    private static void Copy(string from, string to)
    {
        if (File.Exists(from))
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
            return;
        }
        foreach (var file in System.IO.Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
                continue;
            Copy(file, Path.Combine(to, relative));
        }
    }

    public void Dispose()
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
            ? packages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "recurrent.trainer", "recurrent.diagnostics" })
        {
            var folder = Path.Combine(cache, id, Version);
            if (System.IO.Directory.Exists(folder))
                System.IO.Directory.Delete(folder, recursive: true);
            var parent = Path.GetDirectoryName(folder)!;
            if (System.IO.Directory.Exists(parent) && !System.IO.Directory.EnumerateFileSystemEntries(parent).Any())
                System.IO.Directory.Delete(parent);
        }
        _work.Dispose();
    }
}

/// <summary>Runs a build tool in a folder, outside the test host's MSBuild environment.</summary>
internal static class Command
{
    public static string Run(string program, IEnumerable<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // The test host runs under `dotnet test`; its MSBuild variables would steer a nested build to its SDK paths.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish in ten minutes.");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{output.Result}\n{error.Result}");
        return output.Result;
    }
}
