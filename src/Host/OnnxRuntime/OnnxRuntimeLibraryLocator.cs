using System.Runtime.InteropServices;

namespace Recurrent.Host.OnnxRuntime;

/// <summary>
/// Finds <c>libonnxruntime.so.1</c>: an explicitly configured path first, then the
/// <c>RECURRENT_ONNXRUNTIME</c> environment variable, then the copy scripts/setup.sh installs under
/// <c>tools/onnxruntime</c> in this directory or any parent of the application's directory.
/// </summary>
public static class OnnxRuntimeLibraryLocator
{
    /// <summary>The environment variable that may hold the library's path (or its directory).</summary>
    public const string EnvironmentVariable = "RECURRENT_ONNXRUNTIME";

    /// <summary>The library's file name (with the soname version: the unversioned name does not exist there).</summary>
    public const string LibraryFileName = "libonnxruntime.so.1";

    /// <summary>Where the npm package onnxruntime-node keeps the library, relative to the repository root.</summary>
    public static string InstalledRelativePath { get; } = Path.Combine(
        "tools", "onnxruntime", "node_modules", "onnxruntime-node", "bin", "napi-v6", "linux",
        RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64", LibraryFileName);

    /// <summary>The library's full path.</summary>
    /// <param name="configuredPath">A path from configuration, or null to search.</param>
    /// <exception cref="OnnxRuntimeNotFoundException">No candidate exists; the message lists them.</exception>
    public static string Locate(string? configuredPath = null) =>
        Locate(configuredPath, Environment.GetEnvironmentVariable(EnvironmentVariable), AppContext.BaseDirectory);

    /// <summary>The search itself, with its inputs passed in so it can be tested.</summary>
    internal static string Locate(string? configuredPath, string? environmentValue, string startDirectory)
    {
        // A path someone set on purpose is never silently replaced by another copy found elsewhere.
        if (!string.IsNullOrWhiteSpace(configuredPath))
            return Existing(configuredPath, "the configured path");
        if (!string.IsNullOrWhiteSpace(environmentValue))
            return Existing(environmentValue, $"{EnvironmentVariable}");

        var searched = new List<string>();
        for (var directory = new DirectoryInfo(startDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, InstalledRelativePath);
            searched.Add(candidate);
            if (File.Exists(candidate))
                return candidate;
        }
        throw NotFound($"ONNX Runtime ({LibraryFileName}) was not found.", searched);
    }

    /// <summary>The text telling a user how to get the library, for every not-found error.</summary>
    public static string InstallHint =>
        $"Install it with `bash scripts/setup.sh` in the repository (it runs `npm install --ignore-scripts " +
        $"onnxruntime-node@1.30.0` in tools/onnxruntime), or set {EnvironmentVariable} to the path of {LibraryFileName}.";

    internal static OnnxRuntimeNotFoundException NotFound(string problem, IReadOnlyList<string> searched, Exception? inner = null) =>
        new($"{problem} Looked at:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", searched)}" +
            $"{Environment.NewLine}{InstallHint}", searched, inner);

    private static string Existing(string path, string source)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            full = Path.Combine(full, LibraryFileName);
        if (!File.Exists(full))
            throw NotFound($"ONNX Runtime ({LibraryFileName}) was not found at {source}.", [full]);
        return full;
    }
}
