using System.Globalization;
using System.Text.Json;
using Recurrent.Host.OnnxRuntime;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Host.Serving;

/// <summary>
/// Predictions from a model exported by <see cref="SequenceClassifier.ExportOnnx"/>, computed by ONNX Runtime. The
/// labels, vocabulary and input width come from the file's metadata, so no model file of ours is needed.
/// </summary>
public sealed class OnnxPredictor : IDisposable
{
    private readonly OnnxRuntimeSession _session;
    private readonly bool _regression;
    private readonly object _gate = new();

    private OnnxPredictor(OnnxRuntimeSession session, IReadOnlyDictionary<string, string> metadata, string path)
    {
        _session = session;
        string Required(string key) => metadata.TryGetValue(key, out var value)
            ? value : throw new InvalidDataException($"{path}: the ONNX metadata has no '{key}'; was it exported by Recurrent?");
        var head = Required("recurrent.head");
        _regression = head == "regression";
        InputKind = Required("recurrent.input_kind") == "tokens" ? InputKind.Tokens : InputKind.Numeric;
        var classes = JsonSerializer.Deserialize<string[]>(Required("recurrent.labels")) ?? [];
        Labels = _regression ? LabelSet.Regression() : LabelSet.Classes(classes);
        if (InputKind == InputKind.Tokens)
            Vocabulary = new Vocabulary((JsonSerializer.Deserialize<string[]>(Required("recurrent.vocabulary")) ?? []).Skip(2));
        else
            FeatureCount = int.Parse(Required("recurrent.features"), CultureInfo.InvariantCulture);
    }

    /// <summary>Opens an exported model in ONNX Runtime (one intra-op thread unless told otherwise).</summary>
    public static OnnxPredictor Open(OnnxRuntimeEnvironment environment, string path, OnnxSessionOptions? options = null) =>
        new(environment.OpenSession(path, options), OnnxMetadataReader.Read(path), path);

    /// <summary>Token or numeric input.</summary>
    public InputKind InputKind { get; }

    /// <summary>Floats per step for numeric input.</summary>
    public int FeatureCount { get; }

    /// <summary>The vocabulary for token input.</summary>
    public Vocabulary? Vocabulary { get; }

    /// <summary>The classes, or regression.</summary>
    public LabelSet Labels { get; }

    /// <summary>Predicts a batch of sequences; they may have different lengths.</summary>
    public Prediction[] PredictBatch(IReadOnlyList<SequenceExample> sequences)
    {
        if (sequences.Count == 0)
            return [];
        var batch = sequences.Count;
        var steps = sequences.Max(s => s.Length);
        var lengths = sequences.Select(s => s.Length).ToArray();
        OnnxRuntimeTensor input;
        if (InputKind == InputKind.Tokens)
        {
            var ids = new long[batch * steps];
            for (var b = 0; b < batch; b++)
            {
                var tokens = sequences[b].TokenIds ?? throw new ArgumentException($"Sequence {b} has numeric steps but the model reads tokens.");
                for (var t = 0; t < tokens.Length; t++)
                    ids[b * steps + t] = tokens[t];
            }
            input = OnnxRuntimeTensor.FromInt64s([batch, steps], ids);
        }
        else
        {
            var values = new float[batch * steps * FeatureCount];
            for (var b = 0; b < batch; b++)
            {
                var features = sequences[b].Features;
                if (features is null || features.Length != sequences[b].Length * FeatureCount)
                    throw new ArgumentException($"Sequence {b} must have {FeatureCount} features per step, as the model was trained with.");
                features.CopyTo(values, b * steps * FeatureCount);
            }
            input = OnnxRuntimeTensor.FromFloats([batch, steps, FeatureCount], values);
        }
        IReadOnlyDictionary<string, OnnxRuntimeTensor> outputs;
        lock (_gate)
        {
            outputs = _session.Run(new Dictionary<string, OnnxRuntimeTensor>
            {
                [ClassifierOnnxExport.Input] = input,
                [ClassifierOnnxExport.Lengths] = OnnxRuntimeTensor.FromInt32s([batch], lengths),
            }, [_regression ? "value" : "probabilities"]);
        }
        var result = outputs.Values.Single().AsFloats();
        var width = result.Length / batch;
        var predictions = new Prediction[batch];
        for (var b = 0; b < batch; b++)
        {
            var row = result.AsSpan(b * width, width);
            if (_regression)
            {
                predictions[b] = new Prediction(-1, null, [], row[0]);
                continue;
            }
            var best = 0;
            for (var c = 1; c < row.Length; c++)
            {
                if (row[c] > row[best])
                    best = c;
            }
            predictions[b] = new Prediction(best, Labels.ClassNames[best], row.ToArray(), float.NaN);
        }
        return predictions;
    }

    public void Dispose() => _session.Dispose();
}
