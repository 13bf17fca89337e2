using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Recurrent.Host.Service.Predictions;

/// <summary>
/// Predictions from a model exported by <see cref="SequenceModel.ExportOnnx"/>, computed by ONNX Runtime
/// (Microsoft.ML.OnnxRuntime). The labels, vocabulary and input width come from the file's metadata, so no model file
/// of ours is needed. <see cref="PredictBatch(IReadOnlyList{SequenceExample}, CancellationToken)"/> may be called from several threads at once, as
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// allows.
/// </summary>
public sealed class OnnxPredictor : IDisposable
{
    // What SequenceModelOnnxExport writes into a per-step model's metadata (and only into a per-step model's).
    private const string PerStepKey = "recurrent.outputs";

    private readonly InferenceSession _session;
    private readonly bool _regression;
    private readonly string[] _inputNames = [SequenceModelOnnxExport.Input, SequenceModelOnnxExport.Lengths];
    private readonly string[] _outputNames;

    private OnnxPredictor(InferenceSession session, string path)
    {
        _session = session;
        var metadata = session.ModelMetadata.CustomMetadataMap;
        string Required(string key) => metadata.TryGetValue(key, out var value)
            ? value : throw new InvalidDataException($"{path}: the ONNX metadata has no '{key}'; was it exported by Recurrent?");
        var head = Required("recurrent.head");
        _regression = head == "regression";
        _outputNames = [_regression ? "value" : "probabilities"];
        InputKind = Required("recurrent.input_kind") == "tokens" ? InputKind.Tokens : InputKind.Numeric;
        // Only a per-step model's export carries 'recurrent.outputs' (its outputs' step axis), and only a character
        // model's tokenizer reads one token per character.
        PerStep = metadata.ContainsKey(PerStepKey);
        TokenUnit = metadata.TryGetValue("recurrent.tokenizer", out var tokenizer)
            && tokenizer.StartsWith("one token per character", StringComparison.Ordinal) ? TokenUnit.Character : TokenUnit.Word;
        var classes = JsonSerializer.Deserialize<string[]>(Required("recurrent.labels")) ?? [];
        Labels = _regression ? LabelSet.Regression() : LabelSet.Classes(classes);
        if (InputKind == InputKind.Tokens)
            Vocabulary = new Vocabulary((JsonSerializer.Deserialize<string[]>(Required("recurrent.vocabulary")) ?? []).Skip(2));
        else
            FeatureCount = int.Parse(Required("recurrent.features"), CultureInfo.InvariantCulture);
    }

    /// <summary>Opens an exported model in ONNX Runtime.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="intraOpThreads">
    /// Threads inside one operator. Default 1: the service already runs requests concurrently and the models are
    /// small, so extra threads mostly add contention. 0 lets ONNX Runtime pick (one per core).
    /// </param>
    /// <exception cref="InvalidDataException">
    /// ONNX Runtime could not load the file (missing, corrupt, an unsupported operator or opset) or it lacks our
    /// metadata; the message names the file and carries ONNX Runtime's own reason.
    /// </exception>
    /// <param name="memoryArena">
    /// Whether ONNX Runtime keeps the memory of a run for the next (its arena). Default true; a process that keeps many
    /// sessions open (the service) turns it off, so a session holds its weights and not the largest request's
    /// activations for as long as it lives.
    /// </param>
    public static OnnxPredictor Open(string path, int intraOpThreads = 1, bool memoryArena = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            EnableCpuMemArena = memoryArena,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // Every failure reaches the caller as an exception; ONNX Runtime's own warnings (an unused initializer)
            // would only clutter the CLI's stderr and the service's log.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: ONNX Runtime cannot load this model: {e.Message}", e);
        }
        try
        {
            return new OnnxPredictor(session, path);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Token or numeric input.</summary>
    public InputKind InputKind { get; }

    /// <summary>Floats per step for numeric input.</summary>
    public int FeatureCount { get; }

    /// <summary>The vocabulary for token input.</summary>
    public Vocabulary? Vocabulary { get; }

    /// <summary>The classes, or regression.</summary>
    public LabelSet Labels { get; }

    /// <summary>
    /// A per-step model (a tagger, a character model): its outputs are [batch, sequence, classes] and it predicts with
    /// <see cref="PredictSteps(IReadOnlyList{SequenceExample}, CancellationToken)"/>.
    /// </summary>
    public bool PerStep { get; }

    /// <summary>Characters or words: how the model's tokens are read from text (a character model's tokenizer says).</summary>
    public TokenUnit TokenUnit { get; }

    /// <summary>Predicts a batch of sequences; they may have different lengths.</summary>
    public Prediction[] PredictBatch(IReadOnlyList<SequenceExample> sequences) => PredictBatch(sequences, CancellationToken.None);

    /// <summary>
    /// Predicts a batch of sequences; a cancel terminates ONNX Runtime's run where it is
    /// (<see cref="RunOptions.Terminate"/>) and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public Prediction[] PredictBatch(IReadOnlyList<SequenceExample> sequences, CancellationToken cancellation)
    {
        if (PerStep)
            throw new InvalidOperationException("This model has a per-step head: it predicts every step (PredictSteps).");
        if (sequences.Count == 0)
            return [];
        using var outputs = Run(sequences, cancellation);
        var batch = sequences.Count;
        var result = outputs[0].GetTensorDataAsSpan<float>();
        var width = result.Length / batch;
        var predictions = new Prediction[batch];
        for (var b = 0; b < batch; b++)
            predictions[b] = ToPrediction(result.Slice(b * width, width));
        return predictions;
    }

    /// <summary>
    /// Predicts every step of a batch of sequences (a per-step model): element [b][t] is step t of sequence b. The
    /// output is [batch, sequence, classes] padded to the longest; each sequence keeps its own steps only. A cancel
    /// stops ONNX Runtime as <see cref="PredictBatch(IReadOnlyList{SequenceExample}, CancellationToken)"/> does.
    /// </summary>
    public Prediction[][] PredictSteps(IReadOnlyList<SequenceExample> sequences, CancellationToken cancellation = default)
    {
        if (!PerStep)
            throw new InvalidOperationException("This model has one output per sequence (PredictBatch).");
        if (sequences.Count == 0)
            return [];
        using var outputs = Run(sequences, cancellation);
        var batch = sequences.Count;
        var steps = sequences.Max(s => s.Length);
        var values = outputs[0].GetTensorDataAsSpan<float>();
        var width = values.Length / (batch * steps);
        var predictions = new Prediction[batch][];
        for (var b = 0; b < batch; b++)
        {
            predictions[b] = new Prediction[sequences[b].Length];
            for (var t = 0; t < sequences[b].Length; t++)
                predictions[b][t] = ToPrediction(values.Slice((b * steps + t) * width, width));
        }
        return predictions;
    }

    // One batch through the session, padded to its longest sequence; the caller disposes the outputs.
    private IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyList<SequenceExample> sequences, CancellationToken cancellation)
    {
        var batch = sequences.Count;
        var steps = sequences.Max(s => s.Length);
        var lengths = sequences.Select(s => s.Length).ToArray();
        // The OrtValues pin these arrays and ONNX Runtime reads them in place.
        using var input = InputKind == InputKind.Tokens ? TokenInput(sequences, batch, steps) : NumericInput(sequences, batch, steps);
        using var lengthsValue = OrtValue.CreateTensorValueFromMemory(lengths, [batch]);
        using var runOptions = new RunOptions();
        using var terminate = cancellation.Register(() => runOptions.Terminate = true);
        cancellation.ThrowIfCancellationRequested();
        try
        {
            return _session.Run(runOptions, _inputNames, [input, lengthsValue], _outputNames);
        }
        catch (OnnxRuntimeException) when (cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException("the prediction was cancelled", cancellation);
        }
    }

    // A classifier's probabilities (the most probable is the label) or a regression's value.
    private Prediction ToPrediction(ReadOnlySpan<float> row)
    {
        if (_regression)
            return new Prediction(-1, null, [], row[0]);
        var best = 0;
        for (var c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best])
                best = c;
        }
        return new Prediction(best, Labels.ClassNames[best], row.ToArray(), float.NaN);
    }

    private static OrtValue TokenInput(IReadOnlyList<SequenceExample> sequences, int batch, int steps)
    {
        var ids = new long[batch * steps];
        for (var b = 0; b < batch; b++)
        {
            var tokens = sequences[b].TokenIds ?? throw new ArgumentException($"Sequence {b} has numeric steps but the model reads tokens.");
            for (var t = 0; t < tokens.Length; t++)
                ids[b * steps + t] = tokens[t];
        }
        return OrtValue.CreateTensorValueFromMemory(ids, [batch, steps]);
    }

    private OrtValue NumericInput(IReadOnlyList<SequenceExample> sequences, int batch, int steps)
    {
        var values = new float[batch * steps * FeatureCount];
        for (var b = 0; b < batch; b++)
        {
            var features = sequences[b].Features;
            if (features is null || features.Length != sequences[b].Length * FeatureCount)
                throw new ArgumentException($"Sequence {b} must have {FeatureCount} features per step, as the model was trained with.");
            features.CopyTo(values, b * steps * FeatureCount);
        }
        return OrtValue.CreateTensorValueFromMemory(values, [batch, steps, FeatureCount]);
    }

    /// <summary>Releases the session.</summary>
    public void Dispose() => _session.Dispose();
}
