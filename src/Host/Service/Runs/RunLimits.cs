using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// The service's upper bounds on a run, checked at creation from the request and the shape of its data, so a run
/// the service cannot train is refused with a 400 naming the field instead of wedging the worker. Its parameters and
/// the activations BPTT keeps are the engine's own account (<see cref="NetworkSize"/>).
/// </summary>
internal static class RunLimits
{
    /// <summary>
    /// The options' own bounds, on the request and on the options it maps to (<paramref name="o"/>): the layers a
    /// request builds are its dilations' count when it gives dilations, and a dilation is at most the longest sequence
    /// the service accepts (a skip longer than every sequence connects nothing, and pads each one to its length).
    /// </summary>
    public static void CheckOptions(RunRequest r, SequenceModelOptions o, RunLimitOptions limits, int maxSequenceLength)
    {
        AtMost("max_length", r.MaxLength ?? 0, maxSequenceLength, "MaxSequenceLength", section: "");
        // Fields named as the request spelled them (hidden_size, or its deprecated hidden).
        AtMost(r.FieldOf(nameof(r.HiddenSize)), r.HiddenSize, limits.MaxHidden, "MaxHidden");
        AtMost("layers", r.Layers, limits.MaxLayers, "MaxLayers");
        if (r.Dilations is { } dilations)
        {
            if (dilations.Count > limits.MaxLayers)
                throw new BadRequestException(r.FieldOf(nameof(r.Dilations)),
                    $"{r.FieldOf(nameof(r.Dilations))}: {dilations.Count} entries make {dilations.Count} layers, more than the service's limit of {limits.MaxLayers} (Recurrent:Runs:MaxLayers).");
            for (var l = 0; l < dilations.Count; l++)
            {
                if (dilations[l] > maxSequenceLength)
                    throw new BadRequestException(r.FieldOf(nameof(r.Dilations)),
                        $"{r.FieldOf(nameof(r.Dilations))}: layer {l}'s dilation {dilations[l]} is more than the longest sequence the service takes, " +
                        $"{maxSequenceLength} steps (Recurrent:MaxSequenceLength); a skip that long connects nothing.");
            }
        }
        AtMost("layers", o.Layers, limits.MaxLayers, "MaxLayers");
        AtMost(r.FieldOf(nameof(r.EmbeddingSize)), r.EmbeddingSize, limits.MaxEmbedding, "MaxEmbedding");
        AtMost("epochs", r.Epochs, limits.MaxEpochs, "MaxEpochs");
        AtMost(r.FieldOf(nameof(r.BatchSize)), r.BatchSize, limits.MaxBatch, "MaxBatch");
        AtMost("threads", r.Threads, limits.MaxThreads, "MaxThreads");
        AtMost("count", r.Count ?? 0, limits.MaxCount, "MaxCount");
    }

    public static void CheckSize(RunRequest r, SequenceModelOptions o, DataShape data, RunLimitOptions limits)
    {
        if (data.Values > limits.MaxDataValues)
            throw new BadRequestException(r.Count is null ? "data" : "count",
                $"{(r.Count is null ? "data" : "count")}: {data.Sequences + data.EvaluationSequences} sequences of {data.MaxSteps} steps " +
                $"× {(data.InputKind == InputKind.Tokens ? 1 : data.FeatureCount)} values are {data.Values:N0} values, more than the " +
                $"service's limit of {limits.MaxDataValues:N0} (Recurrent:Runs:MaxDataValues); lower count or max_length.");
        var size = NetworkSize.Of(o, data.InputKind, data.FeatureCount, data.VocabularySize, data.Outputs, data.PerStep);
        if (size.Parameters > limits.MaxParameters)
            throw new BadRequestException(r.FieldOf(nameof(r.HiddenSize)),
                $"{r.FieldOf(nameof(r.HiddenSize))}: a {o.Cell.ToString().ToLowerInvariant()} of {o.Layers} layer(s) of {o.HiddenSize} units has {size.Parameters:N0} " +
                $"parameters on this data, more than the service's limit of {limits.MaxParameters:N0} (Recurrent:Runs:MaxParameters); " +
                "lower hidden_size, layers or embedding_size.");
        // Each layer of dilation d holds its sequences padded to a multiple of d: the engine's own account. A per-step
        // head adds its outputs and their gradients at every step: labels × steps, which for a character model of a
        // hundred characters outweighs a small network's own activations.
        var stepOutputs = 2L * data.MaxSteps * size.StepOutputFloats * sizeof(float);
        var activations = (long)o.BatchSize * (size.TrainingBytes(data.MaxSteps) + stepOutputs);
        if (activations > limits.MaxActivationBytes)
            throw new BadRequestException(r.FieldOf(nameof(r.BatchSize)),
                $"{r.FieldOf(nameof(r.BatchSize))}: backpropagation through a batch of {o.BatchSize} sequences of {data.MaxSteps} steps keeps about " +
                $"{activations / (1 << 20):N0} MiB of activations{(stepOutputs > 0 ? F($" (with a per-step head's {size.StepOutputFloats} outputs and their gradients at every step)") : "")}{(o.Dilations is { Count: > 0 } d && d.Max() > 1 ? $" (dilations {string.Join(",", d)} pad each layer's steps to a multiple of its dilation)" : "")}, " +
                $"more than the service's limit of {limits.MaxActivationBytes / (1 << 20):N0} MiB (Recurrent:Runs:MaxActivationBytes); " +
                "lower batch_size, hidden_size, max_length or the dilations.");
    }

    private static string F(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void AtMost(string field, long value, long limit, string key, string section = "Runs:")
    {
        if (value > limit)
            throw new BadRequestException(field,
                $"{field}: {value} is more than the service's limit of {limit} (Recurrent:{section}{key}).");
    }
}
