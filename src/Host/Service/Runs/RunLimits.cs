using Microsoft.ML;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Trainer;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// The service's upper bounds on a run, checked at creation from the request and the shape of its data, so a run
/// the service cannot train is refused with a 400 naming the field instead of wedging the worker.
/// </summary>
internal static class RunLimits
{
    public static void CheckOptions(RunRequest r, RunLimitOptions limits, int maxSequenceLength)
    {
        AtMost("max_length", r.MaxLength ?? 0, maxSequenceLength, "MaxSequenceLength", section: "");
        AtMost("hidden", r.Hidden, limits.MaxHidden, "MaxHidden");
        AtMost("layers", r.Layers, limits.MaxLayers, "MaxLayers");
        AtMost("embedding", r.Embedding, limits.MaxEmbedding, "MaxEmbedding");
        AtMost("epochs", r.Epochs, limits.MaxEpochs, "MaxEpochs");
        AtMost("batch", r.Batch, limits.MaxBatch, "MaxBatch");
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
        var parameters = Parameters(o, data);
        if (parameters > limits.MaxParameters)
            throw new BadRequestException("hidden",
                $"hidden: a {o.Cell.ToString().ToLowerInvariant()} of {o.Layers} layer(s) of {o.HiddenSize} units has {parameters:N0} " +
                $"parameters on this data, more than the service's limit of {limits.MaxParameters:N0} (Recurrent:Runs:MaxParameters); " +
                "lower hidden, layers or embedding.");
        var activations = ActivationBytes(o, data);
        if (activations > limits.MaxActivationBytes)
            throw new BadRequestException("batch",
                $"batch: backpropagation through a batch of {o.BatchSize} sequences of {data.MaxSteps} steps keeps about " +
                $"{activations / (1 << 20):N0} MiB of activations, more than the service's limit of " +
                $"{limits.MaxActivationBytes / (1 << 20):N0} MiB (Recurrent:Runs:MaxActivationBytes); lower batch, hidden or max_length.");
    }

    /// <summary>Weights of the embedding, every layer and direction (W_xh, W_hh, b_xh, b_hh) and the head.</summary>
    public static long Parameters(SequenceModelOptions o, DataShape data)
    {
        long gates = GateCount(o.Cell);
        long hidden = o.HiddenSize;
        long directions = o.Bidirectional ? 2 : 1;
        long input = data.InputKind == InputKind.Tokens ? o.EmbeddingSize : data.FeatureCount;
        long total = data.InputKind == InputKind.Tokens ? (long)data.VocabularySize * o.EmbeddingSize : 0;
        for (var layer = 0; layer < o.Layers; layer++)
        {
            total += directions * gates * hidden * (input + hidden + 2);
            input = directions * hidden;
        }
        return total + (input + 1) * data.Outputs;
    }

    /// <summary>
    /// What the forward pass caches per step for the backward pass: the gate pre-activations and the states of every
    /// layer and direction, and the step's input, in float32. An estimate within a small factor of the engine's.
    /// </summary>
    public static long ActivationBytes(SequenceModelOptions o, DataShape data)
    {
        long directions = o.Bidirectional ? 2 : 1;
        long perStep = o.Layers * directions * (GateCount(o.Cell) + 3) * (long)o.HiddenSize
            + (data.InputKind == InputKind.Tokens ? o.EmbeddingSize : data.FeatureCount);
        return (long)o.BatchSize * data.MaxSteps * perStep * sizeof(float);
    }

    public static int GateCount(RecurrentCellKind cell) => cell switch
    {
        RecurrentCellKind.Lstm => 4,
        RecurrentCellKind.Gru => 3,
        _ => 1,
    };

    private static void AtMost(string field, long value, long limit, string key, string section = "Runs:")
    {
        if (value > limit)
            throw new BadRequestException(field,
                $"{field}: {value} is more than the service's limit of {limit} (Recurrent:{section}{key}).");
    }
}
