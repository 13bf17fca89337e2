using Microsoft.ML.OnnxRuntime;

namespace Recurrent.Integration.Tests.Support;

/// <summary>Opening and running hand-built graphs in ONNX Runtime (Microsoft.ML.OnnxRuntime) with <see cref="TensorData"/>.</summary>
internal static class OrtSessions
{
    public static InferenceSession Open(string path) => new(path);

    public static InferenceSession Open(byte[] model) => new(model);

    /// <summary>Runs the session and copies the requested outputs (all by default) out, in the order asked.</summary>
    public static Dictionary<string, TensorData> Run(this InferenceSession session,
        IReadOnlyDictionary<string, TensorData> inputs, IReadOnlyList<string>? outputNames = null)
    {
        outputNames ??= session.OutputNames;
        var values = inputs.Values.Select(t => t.ToOrtValue()).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [.. inputs.Keys], values, outputNames);
            return outputNames.Zip(outputs).ToDictionary(pair => pair.First, pair => TensorData.FromOrtValue(pair.Second), StringComparer.Ordinal);
        }
        finally
        {
            foreach (var value in values)
                value.Dispose();
        }
    }
}
