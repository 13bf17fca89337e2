using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Integration.Tests.Support;

/// <summary>Runs a model through onnxruntime-node, the independent path into ONNX Runtime.</summary>
internal static class NodeOnnxRuntime
{
    public static IReadOnlyDictionary<string, TensorData> Run(string modelPath, IReadOnlyDictionary<string, TensorData> inputs)
    {
        Assert.True(Directory.Exists(Path.Combine(RepositoryPaths.NodeModules, "onnxruntime-node")),
            $"onnxruntime-node is not installed under {RepositoryPaths.NodeModules}; run scripts/setup.sh.");
        var requestPath = Path.Combine(Path.GetTempPath(), $"recurrent-node-{Guid.NewGuid():N}.json");
        try
        {
            var request = new JsonObject
            {
                ["model"] = modelPath,
                ["inputs"] = new JsonObject(inputs.Select(pair => KeyValuePair.Create<string, JsonNode?>(pair.Key, ToJson(pair.Value)))),
            };
            File.WriteAllText(requestPath, request.ToJsonString());
            var output = ExternalProcess.Run("node", [RepositoryPaths.NodeRunner, requestPath],
                new Dictionary<string, string> { ["NODE_PATH"] = RepositoryPaths.NodeModules });
            var results = JsonNode.Parse(output)!.AsObject();
            return results.ToDictionary(pair => pair.Key, pair => FromJson(pair.Value!));
        }
        finally
        {
            File.Delete(requestPath);
        }
    }

    private static JsonObject ToJson(TensorData tensor) => new()
    {
        ["type"] = tensor.Type switch
        {
            OnnxType.Float => "float32",
            OnnxType.Int32 => "int32",
            OnnxType.Int64 => "int64",
            _ => throw new NotSupportedException(tensor.Type.ToString()),
        },
        ["dims"] = new JsonArray([.. tensor.Shape.Select(d => JsonValue.Create(d))]),
        ["data"] = JsonSerializer.SerializeToNode(tensor.Data, tensor.Data.GetType()),
    };

    private static TensorData FromJson(JsonNode node)
    {
        var shape = node["dims"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
        var data = node["data"]!.AsArray();
        return node["type"]!.GetValue<string>() switch
        {
            // JSON carries the float's exact value as a double; narrowing it back is exact.
            "float32" => TensorData.FromFloats(shape, [.. data.Select(v => (float)v!.GetValue<double>())]),
            "int32" => TensorData.FromInt32s(shape, [.. data.Select(v => v!.GetValue<int>())]),
            "int64" => TensorData.FromInt64s(shape, [.. data.Select(v => v!.GetValue<long>())]),
            var other => throw new NotSupportedException(other),
        };
    }
}
