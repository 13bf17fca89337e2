using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Service.Predictions;

/// <summary>A loaded model that answers predictions: ONNX Runtime on the exported file, or the managed engine.</summary>
internal interface IPredictionEngine : IDisposable
{
    /// <summary>"onnxruntime" or "managed", reported in every response.</summary>
    string Name { get; }

    InputKind InputKind { get; }

    int FeatureCount { get; }

    Vocabulary? Vocabulary { get; }

    LabelSet Labels { get; }

    /// <summary>One output per step (a tagger, a character model): it predicts with <see cref="PredictSteps"/>.</summary>
    bool PerStep { get; }

    /// <summary>How a record's text is read into tokens: words, or one token per character.</summary>
    TokenUnit TokenUnit { get; }

    /// <summary>Predicts a batch; stops as soon as it can once <paramref name="cancellation"/> is cancelled.</summary>
    Prediction[] PredictBatch(IReadOnlyList<SequenceExample> sequences, CancellationToken cancellation);

    /// <summary>Predicts every step of a batch (a per-step model): element [b][t] is step t of sequence b.</summary>
    Prediction[][] PredictSteps(IReadOnlyList<SequenceExample> sequences, CancellationToken cancellation);
}

/// <summary>The managed engine on the run's model file.</summary>
internal sealed class ManagedEngine(SequenceModel model) : IPredictionEngine
{
    public string Name => "managed";

    public InputKind InputKind => model.InputKind;

    public int FeatureCount => model.FeatureCount;

    public Vocabulary? Vocabulary => model.Vocabulary;

    public LabelSet Labels => model.Labels;

    public bool PerStep => model.PerStep;

    public TokenUnit TokenUnit => model.TokenUnit;

    // The managed engine runs a chunk to its end; the caller checks between chunks, which the limiter keeps small.
    public Prediction[] PredictBatch(IReadOnlyList<SequenceExample> sequences, CancellationToken cancellation) =>
        model.PredictBatch(sequences);

    public Prediction[][] PredictSteps(IReadOnlyList<SequenceExample> sequences, CancellationToken cancellation) =>
        model.PredictSteps(sequences);

    public void Dispose()
    {
    }
}

/// <summary>ONNX Runtime on the run's exported model.</summary>
internal sealed class OnnxEngine(OnnxPredictor predictor) : IPredictionEngine
{
    public string Name => "onnxruntime";

    public InputKind InputKind => predictor.InputKind;

    public int FeatureCount => predictor.FeatureCount;

    public Vocabulary? Vocabulary => predictor.Vocabulary;

    public LabelSet Labels => predictor.Labels;

    public bool PerStep => predictor.PerStep;

    public TokenUnit TokenUnit => predictor.TokenUnit;

    public Prediction[] PredictBatch(IReadOnlyList<SequenceExample> sequences, CancellationToken cancellation) =>
        predictor.PredictBatch(sequences, cancellation);

    public Prediction[][] PredictSteps(IReadOnlyList<SequenceExample> sequences, CancellationToken cancellation) =>
        predictor.PredictSteps(sequences, cancellation);

    public void Dispose() => predictor.Dispose();
}
