using Recurrent.Host.OnnxRuntime;

namespace Recurrent.Integration.Tests.Support;

/// <summary>One ONNX Runtime environment shared by the tests (ONNX Runtime keeps one per process anyway).</summary>
public sealed class OnnxRuntimeFixture : IDisposable
{
    // Found the way the service finds it; a missing library fails every test that uses it, with the
    // locator's message saying where it looked.
    public OnnxRuntimeEnvironment Environment { get; } = new();

    public void Dispose() => Environment.Dispose();
}

[CollectionDefinition(Name)]
public sealed class OnnxRuntimeCollection : ICollectionFixture<OnnxRuntimeFixture>
{
    public const string Name = "ONNX Runtime";
}
