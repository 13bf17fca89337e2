using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Recurrent.Integration.Tests.Packaging;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.Documentation;

/// <summary>
/// The README's ML.NET program, copied from the Markdown into a new console project (as `dotnet new console` makes
/// it, outside the repository) and run: it must compile as printed, fit, print the accuracy and a label, and write a
/// model.zip and a model.onnx that ONNX Runtime runs on raw text as the README says (feed `Text`, read `Score` and
/// `PredictedLabel`). The packages' route to the same program is PackageConsumerTests'; this one references the
/// built Trainer project, so it stays fast.
/// </summary>
public sealed class ReadmeProgramTests
{
    [Fact]
    public void The_README_s_MLNet_program_compiles_runs_and_writes_models_ONNX_Runtime_runs()
    {
        var program = MarkdownExamples.CodeBlocks(Path.Combine(RepositoryPaths.Root, "README.md"))
            .Single(block => block.Language == "csharp").Text;
        using var directory = new TemporaryDirectory();
        var trainer = Path.Combine(RepositoryPaths.Root, "src", "Trainer", "Recurrent.Trainer.csproj");
        directory.Write("Reviews.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{trainer}" />
              </ItemGroup>
            </Project>
            """);
        directory.Write("Program.cs", program);
        // The Trainer is already built with the tests; building it again here would only cost time.
        Command.Run("dotnet", ["build", "-c", "Release", "--nologo", "-nodeReuse:false", "--disable-build-servers",
            "-p:BuildProjectReferences=false", "-p:TreatWarningsAsErrors=false"], directory.Path);
        var output = Command.Run("dotnet", [Path.Combine(directory.Path, "bin", "Release", "net10.0", "Reviews.dll")], directory.Path)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.Equal(2, output.Length);
        var accuracy = double.Parse(output[0], CultureInfo.InvariantCulture);
        Assert.InRange(accuracy, 0.99, 1.0); // two training rows, 20 epochs: both learnt
        var label = output[1];
        Assert.Contains(label, new[] { "pos", "neg" });
        Assert.True(File.Exists(directory.File("model.zip")));

        // The program predicts "a funny film" with the PredictionEngine; the ONNX file must say the same from raw text.
        Assert.Contains("engine.Predict(new Review { Text = \"a funny film\" })", program, StringComparison.Ordinal);
        using var session = new InferenceSession(directory.File("model.onnx"));
        var text = NamedOnnxValue.CreateFromTensor("Text", new DenseTensor<string>(new[] { "a funny film" }, [1]));
        using var results = session.Run([text]);
        var score = results.Single(r => r.Name == "Score").AsTensor<float>().ToArray();
        Assert.Equal(2, score.Length);
        Assert.Equal(1.0, score.Sum(), 1e-5);
        Assert.Equal(label, results.Single(r => r.Name == "PredictedLabel").AsTensor<string>().Single());
    }
}
