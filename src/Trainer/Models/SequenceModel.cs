using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Models;

/// <summary>
/// A trained recurrent sequence model: predicts classes (with probabilities) or values, one per sequence or, with a
/// per-step head, one per step; evaluates itself on labelled data; samples from a language model
/// (<see cref="CreateGenerator"/>); and saves to a versioned file. Predictions from several threads are serialised.
/// Its ONNX export (<c>ExportOnnx</c>, <c>ExportOnnxStep</c>) is written beside the exporter, in
/// <c>Onnx/SequenceModel.Onnx.cs</c>, so this folder needs nothing of <c>Onnx/</c>.
/// </summary>
public sealed partial class SequenceModel
{
    private const int EvaluationBatch = 256;
    private readonly object _inferenceLock = new();
    private readonly SequenceBatch _batch = new();

    internal SequenceModel(SequenceNetwork network, SequenceModelOptions options, Vocabulary? vocabulary,
        LabelSet labels)
    {
        Network = network;
        Options = options;
        Vocabulary = vocabulary;
        Labels = labels;
    }

    internal SequenceNetwork Network { get; }

    /// <summary>Serialises every use of the network's inference buffers (predictions, evaluation, generators).</summary>
    internal object InferenceLock => _inferenceLock;

    /// <summary>The options the model was built and trained with.</summary>
    public SequenceModelOptions Options { get; }

    /// <summary>The token vocabulary (null for numeric input).</summary>
    public Vocabulary? Vocabulary { get; }

    /// <summary>The classes, or regression.</summary>
    public LabelSet Labels { get; }

    /// <summary>Token or numeric steps.</summary>
    public InputKind InputKind => Network.Shape.InputKind;

    /// <summary>Floats per step for numeric input (0 for tokens).</summary>
    public int FeatureCount => InputKind == InputKind.Numeric ? Network.Shape.InputWidth : 0;

    /// <summary>The head: binary, multi-class or regression.</summary>
    public HeadKind Head => Network.Shape.Head;

    /// <summary>True for a per-step head (one output per step, many-to-many); false for one per sequence.</summary>
    public bool PerStep => Network.Shape.PerStep;

    /// <summary>What a token stands for (token models): generated text joins words with spaces, characters with nothing.</summary>
    public TokenUnit TokenUnit { get; init; }

    /// <summary>
    /// An empty dataset with this model's inputs, vocabulary, labels and head span: what
    /// <see cref="DatasetLoader.LoadLike"/> encodes new files like.
    /// </summary>
    public SequenceDataset DescribeData(string name = "model") =>
        new(name, InputKind, FeatureCount, Vocabulary, Labels, [], PerStep) { TokenUnit = TokenUnit };

    /// <summary>What training did, when this model came from <see cref="SequenceModelTrainer.Fit"/>.</summary>
    public TrainingSummary? TrainingSummary { get; internal set; }

    /// <summary>
    /// All weights by name (W_xh, W_hh, b_xh, b_hh per layer and direction; embedding; head). After writing to their
    /// values directly, call <see cref="WeightsChanged"/> before predicting.
    /// </summary>
    public IReadOnlyList<Parameter> Parameters => Network.Parameters;

    /// <summary>Tells the model its weights were written directly, so cached derived copies are rebuilt.</summary>
    public void WeightsChanged() => Network.WeightsChanged();

    /// <summary>A deep copy with its own weights.</summary>
    public SequenceModel Copy()
    {
        var network = new SequenceNetwork(Network.Shape);
        for (var i = 0; i < Parameters.Count; i++)
            Parameters[i].Value.CopyTo(network.Parameters[i].Value, 0);
        return new SequenceModel(network, Options.Clone(), Vocabulary, Labels)
        {
            TrainingSummary = TrainingSummary,
            TokenUnit = TokenUnit,
        };
    }

    /// <summary>Predicts one sequence (a per-sequence head; see <see cref="PredictSteps(SequenceExample)"/>).</summary>
    public Prediction Predict(SequenceExample sequence) => PredictBatch([sequence])[0];

    /// <summary>Predicts many sequences, in batches (a per-sequence head).</summary>
    public Prediction[] PredictBatch(IReadOnlyList<SequenceExample> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (PerStep)
            throw new InvalidOperationException("This model has a per-step head: it predicts every step (PredictSteps).");
        for (var i = 0; i < sequences.Count; i++)
            CheckInput(sequences[i], i);
        var results = new Prediction[sequences.Count];
        InferInBatches(sequences, (start, count) =>
        {
            for (var i = 0; i < count; i++)
                results[start + i] = ToPrediction(LogitsOf(i));
        });
        return results;
    }

    /// <summary>Predicts every step of one sequence (a per-step head): element t is step t's prediction.</summary>
    public Prediction[] PredictSteps(SequenceExample sequence) => PredictSteps([sequence])[0];

    /// <summary>Predicts every step of many sequences, in batches (a per-step head).</summary>
    public Prediction[][] PredictSteps(IReadOnlyList<SequenceExample> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (!PerStep)
            throw new InvalidOperationException("This model has one output per sequence (Predict, PredictBatch).");
        for (var i = 0; i < sequences.Count; i++)
            CheckInput(sequences[i], i);
        var results = new Prediction[sequences.Count][];
        InferInBatches(sequences, (start, count) =>
        {
            for (var i = 0; i < count; i++)
            {
                var steps = new Prediction[sequences[start + i].Length];
                for (var t = 0; t < steps.Length; t++)
                    steps[t] = ToPrediction(LogitsOf(t * count + i));
                results[start + i] = steps;
            }
        });
        return results;
    }

    /// <summary>
    /// A sampler that runs this language model one step at a time, carrying its state from call to call (a per-step
    /// softmax head over token input, one direction). <paramref name="seed"/> makes the samples reproducible.
    /// </summary>
    public SequenceGenerator CreateGenerator(int seed = 1) => new(this, seed);

    /// <summary>
    /// Samples <paramref name="length"/> tokens after <paramref name="prime"/> (split into characters or words as
    /// the model's <see cref="TokenUnit"/> says) at the given temperature, and returns them as text (without the
    /// prime). The same seed gives the same text.
    /// </summary>
    public string Generate(string prime, int length, double temperature = 1.0, int seed = 1)
    {
        var generator = CreateGenerator(seed);
        generator.FeedText(prime);
        return generator.SampleText(length, temperature);
    }

    /// <summary>
    /// Loss, accuracy and confusion matrix (or mean squared error), per-class precision, recall and F1, and for a
    /// per-step softmax head perplexity and bits per step, on labelled data.
    /// </summary>
    public Evaluation Evaluate(SequenceDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        DatasetCompatibility.Check(DescribeData(), data);
        if (PerStep)
            return EvaluateSteps(data);
        var classes = Labels.ClassCount;
        var confusion = Labels.IsRegression ? null : new int[classes, classes];
        double lossSum = 0;
        long correct = 0;
        InferInBatches(data.Examples, (_, count) =>
        {
            lossSum += Network.Head.Loss(Network.Logits, count, _batch.ClassIndices, _batch.Targets, default) * count;
            if (confusion is null)
                return;
            for (var i = 0; i < count; i++)
            {
                var predicted = ArgMax(LogitsOf(i));
                confusion[_batch.ClassIndices[i], predicted]++;
                if (predicted == _batch.ClassIndices[i])
                    correct++;
            }
        });
        var n = data.Count;
        var loss = n > 0 ? lossSum / n : double.NaN;
        return Labels.IsRegression
            ? new Evaluation(n, loss, null, null, loss) { Scored = n }
            : new Evaluation(n, loss, n > 0 ? (double)correct / n : null, confusion, null)
            {
                Scored = n,
                PerClass = ClassMetrics.FromConfusion(confusion!, Labels.ClassNames),
            };
    }

    // Every figure over the labelled steps: the mean per-step loss, token accuracy and a confusion matrix of steps.
    private Evaluation EvaluateSteps(SequenceDataset data)
    {
        var classes = Labels.ClassCount;
        var confusion = Labels.IsRegression ? null : new int[classes, classes];
        double lossSum = 0;
        long correct = 0, scored = 0;
        var spans = confusion is not null && SpanMetrics.AreBioTags(Labels.ClassNames)
            ? new List<(IReadOnlyList<string>, IReadOnlyList<string>)>() : null;
        InferInBatches(data.Examples, (start, count) =>
        {
            lossSum += Network.Head.StepLossSum(Network.LogitBuffer, _batch, null, 1, Threads);
            scored += _batch.LabelledSteps;
            if (confusion is null)
                return;
            if (spans is not null)
                CollectTags(data.Examples, start, count, spans);
            var rows = _batch.Steps * count;
            for (var r = 0; r < rows; r++)
            {
                var actual = _batch.StepClasses[r];
                if (actual < 0)
                    continue;
                var predicted = ArgMax(LogitsOf(r));
                confusion[actual, predicted]++;
                if (predicted == actual)
                    correct++;
            }
        });
        var loss = scored > 0 ? lossSum / scored : double.NaN;
        if (confusion is null)
            return new Evaluation(data.Count, loss, null, null, loss) { PerStep = true, Scored = scored };
        var softmax = Head == HeadKind.MultiClass;
        return new Evaluation(data.Count, loss, scored > 0 ? (double)correct / scored : null, confusion, null)
        {
            PerStep = true,
            Scored = scored,
            PerClass = ClassMetrics.FromConfusion(confusion, Labels.ClassNames),
            Perplexity = softmax ? Math.Exp(loss) : null,
            BitsPerStep = softmax ? loss / Math.Log(2) : null,
            Spans = spans is null ? null : SpanMetrics.Score(spans),
        };
    }

    // Each sequence's gold and predicted tags (an unlabelled step is O in both, so it makes no span).
    private void CollectTags(IReadOnlyList<SequenceExample> sequences, int start, int count,
        List<(IReadOnlyList<string>, IReadOnlyList<string>)> tags)
    {
        var names = Labels.ClassNames;
        for (var i = 0; i < count; i++)
        {
            var length = sequences[start + i].Length;
            var gold = new string[length];
            var predicted = new string[length];
            for (var t = 0; t < length; t++)
            {
                var row = t * count + i;
                var actual = _batch.StepClasses[row];
                gold[t] = actual < 0 ? "O" : names[actual];
                predicted[t] = actual < 0 ? "O" : names[ArgMax(LogitsOf(row))];
            }
            tags.Add((gold, predicted));
        }
    }

    // Runs the network over the sequences a batch at a time; after each batch the consumer reads the logits and the
    // packed batch (its first index and its size). One network serves all callers, hence the lock.
    private void InferInBatches(IReadOnlyList<SequenceExample> sequences, Action<int, int> consume)
    {
        var indices = new int[Math.Min(EvaluationBatch, sequences.Count)];
        lock (_inferenceLock)
        {
            for (var start = 0; start < sequences.Count; start += EvaluationBatch)
            {
                var count = Math.Min(EvaluationBatch, sequences.Count - start);
                for (var i = 0; i < count; i++)
                    indices[i] = start + i;
                _batch.Fill(sequences, indices.AsSpan(0, count), FeatureCount);
                Network.Infer(_batch, Threads);
                consume(start, count);
            }
        }
    }

    private ReadOnlySpan<float> LogitsOf(int row) =>
        Network.Logits.Slice(row * Network.Shape.Outputs, Network.Shape.Outputs);

    internal int CountCorrect(ReadOnlySpan<float> logits, SequenceBatch batch)
    {
        if (Labels.IsRegression)
            return 0;
        var correct = 0;
        if (batch.PerStep)
        {
            for (var r = 0; r < batch.Steps * batch.Size; r++)
            {
                var label = batch.StepClasses[r];
                if (label >= 0 && ArgMax(logits.Slice(r * Network.Shape.Outputs, Network.Shape.Outputs)) == label)
                    correct++;
            }
            return correct;
        }
        for (var b = 0; b < batch.Size; b++)
        {
            if (ArgMax(logits.Slice(b * Network.Shape.Outputs, Network.Shape.Outputs)) == batch.ClassIndices[b])
                correct++;
        }
        return correct;
    }

    private int ArgMax(ReadOnlySpan<float> logits)
    {
        if (Head == HeadKind.Binary)
            return logits[0] > 0 ? 1 : 0;
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
                best = i;
        }
        return best;
    }

    private Prediction ToPrediction(ReadOnlySpan<float> logits)
    {
        switch (Head)
        {
            case HeadKind.Regression:
                return new Prediction(-1, null, [], logits[0]);
            case HeadKind.Binary:
                var p = (float)OutputHead.Sigmoid(logits[0]);
                var positive = logits[0] > 0 ? 1 : 0;
                return new Prediction(positive, Labels.ClassNames[positive], [1 - p, p], float.NaN);
            default:
                var probabilities = new float[logits.Length];
                System.Numerics.Tensors.TensorPrimitives.SoftMax(logits, probabilities);
                var best = ArgMax(logits);
                return new Prediction(best, Labels.ClassNames[best], probabilities, float.NaN);
        }
    }

    private void CheckInput(SequenceExample sequence, int index)
    {
        if (InputKind == InputKind.Tokens)
        {
            if (sequence.TokenIds is null)
                throw new ArgumentException($"Sequence {index} has numeric steps but the model reads tokens.");
            foreach (var id in sequence.TokenIds)
            {
                if ((uint)id >= (uint)Vocabulary!.Count)
                    throw new ArgumentException($"Sequence {index} has token id {id} outside the model's vocabulary of {Vocabulary.Count}.");
            }
        }
        else if (sequence.Features is null || sequence.Features.Length != sequence.Length * FeatureCount)
        {
            throw new ArgumentException(
                $"Sequence {index} must have {FeatureCount} features per step, as the model was trained with.");
        }
    }

    internal int Threads => Options.Threads == 0 ? Environment.ProcessorCount : Options.Threads;

    /// <summary>Writes the model to <paramref name="path"/> atomically (a temporary file renamed into place).</summary>
    public void Save(string path) => ModelFile.Save(this, path);

    /// <summary>Reads a model written by <see cref="Save"/>; a corrupt or incompatible file raises <see cref="InvalidDataException"/>.</summary>
    public static SequenceModel Load(string path) => ModelFile.Load(path);
}
