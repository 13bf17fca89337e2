using Recurrent.Host.OnnxRuntime;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests;

/// <summary>Finding and loading libonnxruntime.so.1, and the errors when that is not possible.</summary>
public sealed class OnnxRuntimeLibraryTests
{
    [Fact]
    public void The_library_installed_by_setup_is_found_from_the_test_binaries_and_reports_its_version()
    {
        using var environment = new OnnxRuntimeEnvironment();

        Assert.Equal(Path.Combine(RepositoryPaths.Root, OnnxRuntimeLibraryLocator.InstalledRelativePath), environment.LibraryPath);
        Assert.Equal("1.30.0", environment.Version);
    }

    [Fact]
    public void A_configured_path_that_does_not_exist_says_where_it_looked_and_how_to_install()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nowhere-{Guid.NewGuid():N}", "libonnxruntime.so.1");

        var error = Assert.Throws<OnnxRuntimeNotFoundException>(() => new OnnxRuntimeEnvironment(path));

        Assert.Equal([path], error.SearchedPaths);
        Assert.Contains(path, error.Message);
        Assert.Contains("scripts/setup.sh", error.Message);
        Assert.Contains(OnnxRuntimeLibraryLocator.EnvironmentVariable, error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_library_is_reported_as_not_loadable()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File(OnnxRuntimeLibraryLocator.LibraryFileName);
        File.WriteAllText(path, "not a shared object");

        var error = Assert.Throws<OnnxRuntimeNotFoundException>(() => new OnnxRuntimeEnvironment(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("could not be loaded", error.Message);
    }

    [Fact]
    public void Searching_without_an_installation_lists_every_directory_up_to_the_root()
    {
        using var directory = new TemporaryDirectory();
        var start = Directory.CreateDirectory(Path.Combine(directory.Path, "bin", "Release")).FullName;

        var error = Assert.Throws<OnnxRuntimeNotFoundException>(() => OnnxRuntimeLibraryLocator.Locate(null, null, start));

        Assert.Equal(Path.Combine(start, OnnxRuntimeLibraryLocator.InstalledRelativePath), error.SearchedPaths[0]);
        Assert.Equal(Path.Combine("/", OnnxRuntimeLibraryLocator.InstalledRelativePath), error.SearchedPaths[^1]);
        Assert.Contains("npm install --ignore-scripts onnxruntime-node@1.30.0", error.Message);
    }

    [Fact]
    public void The_search_finds_an_installation_in_a_parent_directory()
    {
        using var directory = new TemporaryDirectory();
        var installed = Path.Combine(directory.Path, OnnxRuntimeLibraryLocator.InstalledRelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(installed)!);
        File.WriteAllText(installed, "");
        var start = Directory.CreateDirectory(Path.Combine(directory.Path, "src", "Host", "bin")).FullName;

        Assert.Equal(installed, OnnxRuntimeLibraryLocator.Locate(null, null, start));
    }

    [Fact]
    public void The_environment_variable_may_name_the_library_or_its_directory_and_wins_over_the_search()
    {
        using var directory = new TemporaryDirectory();
        var library = directory.File(OnnxRuntimeLibraryLocator.LibraryFileName);
        File.WriteAllText(library, "");

        Assert.Equal(library, OnnxRuntimeLibraryLocator.Locate(null, library, RepositoryPaths.Root));
        Assert.Equal(library, OnnxRuntimeLibraryLocator.Locate(null, directory.Path, RepositoryPaths.Root));
        Assert.Throws<OnnxRuntimeNotFoundException>(() => OnnxRuntimeLibraryLocator.Locate(null, directory.File("other"), RepositoryPaths.Root));
    }
}
