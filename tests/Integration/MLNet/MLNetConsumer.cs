using System.Text.Json.Nodes;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.MLNet;

/// <summary>Runs tests/MLNet.Consumer, a program that references only ML.NET and ONNX Runtime, on a model.zip.</summary>
internal static class MLNetConsumer
{
    public static string Assembly
    {
        get
        {
            // The consumer is built with the same configuration as these tests (bin/CONFIG/net10.0).
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            var path = Path.Combine(RepositoryPaths.Root, "tests", "MLNet.Consumer", "bin", configuration, "net10.0",
                "Recurrent.MLNet.Consumer.dll");
            Assert.True(File.Exists(path), $"{path} is not built.");
            return path;
        }
    }

    public static JsonObject[] Predict(string modelZip, string recordsJsonl) =>
        ExternalProcess.Run("dotnet", [Assembly, modelZip, recordsJsonl])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)!.AsObject())
            .ToArray();
}
