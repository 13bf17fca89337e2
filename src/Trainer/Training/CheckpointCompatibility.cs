using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Trainer.Models;

namespace Recurrent.Trainer.Training;

/// <summary>
/// Whether a checkpoint can continue a run: every option that changes the training is equal. Compared option by
/// option rather than by a hash of all of them, so that an upgrade does not orphan every checkpoint:
/// <list type="bullet">
/// <item>an option the checkpoint does not record (added after it was written) counts as its default, which is the
/// behaviour from before the option existed: a new option's default must be that behaviour;</item>
/// <item>options that change only what is measured or how fast (<see cref="Ignored"/>) are not compared: the
/// weights a resumed run ends with do not depend on them.</item>
/// </list>
/// </summary>
internal static class CheckpointCompatibility
{
    /// <summary>
    /// The options a checkpoint resumes under any value of: the thread count (a performance knob; the kernels give
    /// the same bits with any) and the gradient diagnostics, which only read the gradient.
    /// </summary>
    public static IReadOnlySet<string> Ignored { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        nameof(SequenceModelOptions.Threads),
        nameof(SequenceModelOptions.CollectAdjointNorms),
        nameof(SequenceModelOptions.GradientDetail),
        nameof(SequenceModelOptions.GradientDetailEvery),
    };

    private static readonly System.Reflection.PropertyInfo[] Compared = typeof(SequenceModelOptions).GetProperties()
        .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0 && !Ignored.Contains(p.Name))
        .ToArray();

    /// <summary>
    /// The first option (in declaration order) that changes the training and differs between the checkpoint's
    /// <paramref name="recorded"/> options and the <paramref name="given"/> ones, or null when the checkpoint can
    /// continue a run of <paramref name="given"/>.
    /// </summary>
    public static CheckpointMismatch? FirstDifference(SequenceModelOptions recorded, SequenceModelOptions given)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(given);
        var a = AsTrained(recorded);
        var b = AsTrained(given);
        foreach (var property in Compared)
        {
            var x = JsonSerializer.SerializeToNode(property.GetValue(a), property.PropertyType, ModelFile.Json);
            var y = JsonSerializer.SerializeToNode(property.GetValue(b), property.PropertyType, ModelFile.Json);
            if (!JsonNode.DeepEquals(x, y))
                return new CheckpointMismatch(property.Name, Show(x), Show(y));
        }
        return null;
    }

    // Options without a seed train with the default one, which the checkpoint's model records; a derived options
    // type (the ML.NET trainer's) adds columns, not training.
    private static SequenceModelOptions AsTrained(SequenceModelOptions options)
    {
        var plain = options.ToEngineOptions();
        plain.Seed = plain.SeedOrDefault;
        return plain;
    }

    private static string Show(JsonNode? value) => value switch
    {
        null => "none",
        JsonArray list => string.Join(",", list.Select(Show)),
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        _ => value.ToJsonString(),
    };
}
