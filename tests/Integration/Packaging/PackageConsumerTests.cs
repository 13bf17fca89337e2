using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.Packaging;

/// <summary>
/// A new user's way in: the packages from a folder feed, two fresh console projects outside the repository (no
/// ProjectReference), built against the lowest ML.NET the packages declare and the newest served. One fits,
/// evaluates, saves, predicts and exports ONNX with `using Microsoft.ML;` alone, and fits an encoder–decoder; the other
/// references only ML.NET, loads both model.zip files and must predict exactly the same.
/// </summary>
public sealed class PackageConsumerTests(PackageFeed feed) : IClassFixture<PackageFeed>
{
    private static readonly string[] Probes = ["Alpha w1 w2 w3", "w4 beta w5", "w6 gamma w7 w8 w9", "w1 w2"];

    [Fact]
    public void The_packages_carry_their_metadata_readme_docs_and_symbols()
    {
        XNamespace ns = feed.Nuspec("Recurrent.Trainer").Root!.Name.Namespace;
        foreach (var id in new[] { "Recurrent.Trainer", "Recurrent.Diagnostics" })
        {
            var metadata = feed.Nuspec(id).Root!.Element(ns + "metadata")!;
            Assert.Equal(feed.Version, metadata.Element(ns + "version")!.Value);
            Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
            Assert.Equal("PACKAGE.md", metadata.Element(ns + "readme")!.Value);
            Assert.NotEqual(id, metadata.Element(ns + "authors")!.Value);
            Assert.DoesNotContain("Package Description", metadata.Element(ns + "description")!.Value);
            Assert.Contains("LSTM", metadata.Element(ns + "tags")!.Value);
            Assert.Equal("git", metadata.Element(ns + "repository")!.Attribute("type")!.Value);
            var entries = feed.Entries($"{id}.{feed.Version}.nupkg");
            Assert.Contains($"lib/net10.0/{id}.dll", entries);
            Assert.Contains($"lib/net10.0/{id}.xml", entries);
            Assert.Contains("PACKAGE.md", entries);
            Assert.Contains($"lib/net10.0/{id}.pdb", feed.Entries($"{id}.{feed.Version}.snupkg"));
        }
        var dependencies = feed.Nuspec("Recurrent.Trainer").Descendants(ns + "dependency")
            .ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
        Assert.Equal(feed.Version, dependencies["Recurrent.Diagnostics"]);
        // The lowest ML.NET the package declares is the one the low consumer below is built and tested against.
        Assert.Equal(LowestMLNet, dependencies["Microsoft.ML"]);
        Assert.Equal(LowestMLNet, dependencies["Microsoft.ML.OnnxTransformer"]);
        Assert.Equal(LowestOnnxRuntime, dependencies["Microsoft.ML.OnnxRuntime"]);
    }

    private const string LowestMLNet = "5.0.1";
    private const string LowestOnnxRuntime = "1.31.1";

    [Fact]
    public void A_consumer_on_the_lowest_declared_MLNet_fits_saves_and_a_second_one_loads_and_predicts() =>
        FitSaveLoadPredict(LowestMLNet, LowestOnnxRuntime);

    [Fact]
    public void A_consumer_on_MLNet_6_fits_saves_and_a_second_one_loads_and_predicts() =>
        FitSaveLoadPredict("6.0.0", "1.32.0");

    private void FitSaveLoadPredict(string mlnet, string onnxRuntime)
    {
        var root = feed.Scratch($"consumers-{mlnet}");
        File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="recurrent-local" value="{feed.Directory}" />
              </packageSources>
            </configuration>
            """);
        string[] properties = [$"-p:MicrosoftMLVersion={mlnet}", $"-p:OnnxRuntimeVersion={onnxRuntime}", $"-p:RecurrentVersion={feed.Version}"];
        var output = System.IO.Directory.CreateDirectory(Path.Combine(root, "out")).FullName;

        var trainer = Build(root, "Trainer.Consumer", properties);
        var assets = File.ReadAllText(Path.Combine(root, "Trainer.Consumer", "obj", "project.assets.json"));
        Assert.Contains($"\"Recurrent.Trainer/{feed.Version}\"", assets);
        Assert.Contains($"\"Microsoft.ML/{mlnet}\"", assets);
        Assert.DoesNotContain("\"type\": \"project\"", assets); // nothing from the repository
        Command.Run("dotnet", [trainer, output], root);
        var accuracy = double.Parse(File.ReadAllText(Path.Combine(output, "metrics.txt")).Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.True(accuracy > 0.9, $"accuracy {accuracy}");
        Assert.True(new FileInfo(Path.Combine(output, "model.onnx")).Length > 1000);
        var expected = File.ReadAllLines(Path.Combine(output, "predictions.txt"));
        Assert.Equal(["alpha", "beta", "gamma"], expected.Take(3).Select(line => line.Split(' ')[0]));

        var loader = Build(root, "Loader.Consumer", properties);
        var loaderAssets = File.ReadAllText(Path.Combine(root, "Loader.Consumer", "obj", "project.assets.json"));
        Assert.DoesNotContain("Recurrent", loaderAssets);
        var predicted = Command.Run("dotnet", [loader, Path.Combine(output, "model.zip"), .. Probes], root)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected, predicted);

        // The encoder–decoder's model, one graph with an ONNX Loop of decoder steps, runs in the consumer that knows
        // only ML.NET and ONNX Runtime: the same outputs as the trainer's PredictionEngine, each probe reversed.
        var sequenceAccuracy = double.Parse(File.ReadAllText(Path.Combine(output, "seq2seq-metrics.txt")).Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.True(sequenceAccuracy > 0.9, $"sequence accuracy {sequenceAccuracy}");
        var decoded = File.ReadAllLines(Path.Combine(output, "seq2seq.txt"));
        Assert.Equal(ReversalProbes.Select(p => string.Join(' ', Enumerable.Reverse(p.Split(' ')))), decoded);
        var loaded = Command.Run("dotnet", [loader, "--decode", Path.Combine(output, "seq2seq.zip"), .. ReversalProbes], root)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(decoded, loaded);
    }

    // Trainer.Consumer's Reversals.Probes: sources the encoder–decoder there learned to reverse.
    private static readonly string[] ReversalProbes = ["a b c", "d a", "e", "c e b d"];

    private static string Build(string root, string project, string[] properties)
    {
        var source = Path.Combine(RepositoryPaths.Root, "tests", "Packaging", project);
        var target = System.IO.Directory.CreateDirectory(Path.Combine(root, project)).FullName;
        foreach (var file in new[] { "Program.cs", $"{project}.csproj" })
            File.Copy(Path.Combine(source, file), Path.Combine(target, file));
        Command.Run("dotnet", ["build", "-c", "Release", "--nologo", "-nodeReuse:false", "--disable-build-servers", .. properties], target);
        return Path.Combine(target, "bin", "Release", "net10.0", $"{project}.dll");
    }
}
