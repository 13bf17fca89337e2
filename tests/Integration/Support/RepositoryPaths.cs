namespace Recurrent.Integration.Tests.Support;

/// <summary>Where the repository's files and installed peers are, found upward from the test binaries.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string NodeModules => Path.Combine(Root, "tools", "onnxruntime", "node_modules");

    public static string NodeRunner => Path.Combine(Root, "tests", "Integration", "node", "run_model.js");

    public static string PythonDescriber => Path.Combine(Root, "tests", "Integration", "python", "describe_model.py");

    /// <summary>Debian's python, which has python3-onnx; the pyenv python first on PATH does not.</summary>
    public const string SystemPython = "/usr/bin/python3";

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Diagnostics.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No Diagnostics.sln above {AppContext.BaseDirectory}.");
    }
}
