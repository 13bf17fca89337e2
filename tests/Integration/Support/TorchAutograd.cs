using System.Text.Json.Nodes;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;

namespace Recurrent.Integration.Tests.Support;

/// <summary>
/// What the PyTorch autograd checks share: one Python process for all of a test's cases (importing torch takes
/// seconds), the engine's weights spread wider than the initialiser's so every gate is in its working range, and the
/// gradient comparison each check states its tolerance for.
/// </summary>
internal static class TorchAutograd
{
    /// <summary>Runs tests/Integration/python/<paramref name="script"/> on the cases' requests; one result per case.</summary>
    public static JsonArray Run(string script, IEnumerable<JsonObject> requests)
    {
        Assert.True(File.Exists(RepositoryPaths.SystemPython), $"{RepositoryPaths.SystemPython} is missing; run scripts/setup.sh.");
        using var directory = new TemporaryDirectory();
        var path = directory.Write("cases.json", new JsonArray([.. requests]).ToJsonString());
        var scriptPath = Path.Combine(RepositoryPaths.Root, "tests", "Integration", "python", script);
        return JsonNode.Parse(ExternalProcess.Run(RepositoryPaths.SystemPython, [scriptPath, path]))!.AsArray();
    }

    /// <summary>A result's gradients by parameter name.</summary>
    public static Dictionary<string, double[]> Gradients(JsonNode result) =>
        result["gradients"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.AsArray().Select(v => v!.GetValue<double>()).ToArray());

    /// <summary>Adds U(−0.3, 0.3) drawn from <paramref name="seed"/> to every weight.</summary>
    public static void Spread(IEnumerable<Parameter> parameters, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        foreach (var p in parameters)
        {
            for (var i = 0; i < p.Length; i++)
                p.Value[i] += (float)random.NextUniform(-0.3, 0.3);
        }
    }

    /// <summary>
    /// Asserts every gradient element within 1e-4 relative plus <paramref name="ofLargest"/> of its parameter's
    /// largest gradient; returns the largest error as a share of that largest gradient.
    /// </summary>
    public static double AssertGradients(SequenceNetwork network, Dictionary<string, double[]> expected, double ofLargest) =>
        AssertGradients(network.Parameters, expected, ofLargest);

    /// <summary>The same for any network's parameters (an encoder–decoder's).</summary>
    public static double AssertGradients(IEnumerable<Parameter> parameters, Dictionary<string, double[]> expected, double ofLargest)
    {
        var worst = 0.0;
        foreach (var p in parameters)
        {
            var want = expected[p.Name];
            Assert.Equal(want.Length, p.Gradient.Length);
            var scale = want.Select(Math.Abs).DefaultIfEmpty(0).Max();
            for (var i = 0; i < want.Length; i++)
            {
                var error = Math.Abs(p.Gradient[i] - want[i]);
                Assert.True(error <= 1e-4 * Math.Abs(want[i]) + ofLargest * scale + 1e-9,
                    $"{p.Name}[{i}]: engine {p.Gradient[i]}, PyTorch {want[i]}");
                if (scale > 0)
                    worst = Math.Max(worst, error / scale);
            }
        }
        return worst;
    }
}
