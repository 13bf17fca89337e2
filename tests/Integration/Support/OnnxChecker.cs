using System.Text.Json.Nodes;

namespace Recurrent.Integration.Tests.Support;

/// <summary>The onnx package's checker (Debian python3-onnx) and its reading of a model file.</summary>
internal static class OnnxChecker
{
    /// <summary>Runs <c>onnx.checker.check_model(full_check=True)</c> and returns what onnx parsed, as JSON.</summary>
    public static JsonObject CheckAndDescribe(string modelPath)
    {
        Assert.True(File.Exists(RepositoryPaths.SystemPython), $"{RepositoryPaths.SystemPython} is missing; run scripts/setup.sh.");
        var output = ExternalProcess.Run(RepositoryPaths.SystemPython, [RepositoryPaths.PythonDescriber, modelPath]);
        return JsonNode.Parse(output)!.AsObject();
    }
}
