using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Models;

/// <summary>
/// A trained encoder–decoder: its network, the options it was trained with and the names of its source and target
/// symbols. Decodes greedily, evaluates on pairs, and saves as model format 4 (<see cref="EncoderDecoderFile"/>).
/// </summary>
internal sealed class EncoderDecoderModel
{
    /// <summary>Sequences decoded side by side in one batch, at most.</summary>
    private const int DecodeBatch = 64;

    /// <summary>
    /// The floats a batch's passes may keep, about 128 MiB: the encoder keeps its whole history (the LSTM's final c
    /// is read from it), so long sequences go fewer to a batch.
    /// </summary>
    private const long BatchFloats = 32L << 20;

    public EncoderDecoderModel(EncoderDecoderNetwork network, SequenceModelOptions options,
        IReadOnlyList<string> sourceSymbols, IReadOnlyList<string> targetSymbols)
    {
        if (sourceSymbols.Count != network.Shape.SourceVocabulary || targetSymbols.Count != network.Shape.TargetSymbols)
            throw new ArgumentException("The symbol lists do not fit the network's vocabularies.");
        Network = network;
        Options = options;
        SourceSymbols = sourceSymbols;
        TargetSymbols = targetSymbols;
    }

    public EncoderDecoderNetwork Network { get; }

    public SequenceModelOptions Options { get; }

    public IReadOnlyList<string> SourceSymbols { get; }

    public IReadOnlyList<string> TargetSymbols { get; }

    /// <summary>
    /// The longest output greedy decoding writes for a source of <paramref name="sourceLength"/> symbols before it
    /// stops without ⟨/s⟩: 2·S + 10, which no target of the built-in task comes near.
    /// </summary>
    public static int MaxOutputLength(int sourceLength) => 2 * sourceLength + 10;

    /// <summary>A model with its own network holding the same weights (a checkpoint's: training goes on beside it).</summary>
    public EncoderDecoderModel Copy()
    {
        var network = new EncoderDecoderNetwork(Network.Shape);
        for (var i = 0; i < network.Parameters.Count; i++)
            Network.Parameters[i].Value.CopyTo(network.Parameters[i].Value, 0);
        return new EncoderDecoderModel(network, Options.Clone(), SourceSymbols, TargetSymbols);
    }

    private int Threads => Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount;

    /// <summary>Greedy decoding of every source (ids of <see cref="SourceSymbols"/>) into ids of <see cref="TargetSymbols"/>.</summary>
    public int[][] Decode(IReadOnlyList<int[]> sources)
    {
        var results = new int[sources.Count][];
        var batch = new SequenceBatch();
        var examples = sources.Select(s => SequenceExample.FromTokens(CheckSource(s), 0)).ToArray();
        foreach (var (first, count) in Batches(sources.Select(s => s.Length).ToArray()))
        {
            var indices = Enumerable.Range(first, count).ToArray();
            batch.Fill(examples, indices, 0);
            var decoded = Network.Decode(batch, MaxOutputLength(batch.Steps), Threads);
            decoded.CopyTo(results, first);
        }
        return results;
    }

    /// <summary>
    /// Consecutive runs of at most <see cref="DecodeBatch"/> sequences whose passes keep at most
    /// <see cref="BatchFloats"/>: rows × longest × (what one step of both stacks keeps); a single longer sequence
    /// still goes alone.
    /// </summary>
    internal IEnumerable<(int First, int Count)> Batches(IReadOnlyList<int> lengths)
    {
        var shape = Network.Shape;
        // Per layer and step: gates, their gradient and the projection (3·G·H), h, c and the cell's extra (3·H).
        long perStep = 2L * shape.Layers * (3L * Network.Encoder[0].Cell.GateCount * shape.Hidden + 3L * shape.Hidden)
            + shape.EmbeddingSize + shape.Outputs;
        var first = 0;
        while (first < lengths.Count)
        {
            int count = 0, longest = 0;
            while (first + count < lengths.Count && count < DecodeBatch)
            {
                var candidate = Math.Max(longest, lengths[first + count]);
                if (count > 0 && (count + 1L) * candidate * perStep > BatchFloats)
                    break;
                longest = candidate;
                count++;
            }
            yield return (first, count);
            first += count;
        }
    }

    private int[] CheckSource(int[] source)
    {
        if (source.Length == 0)
            throw new ArgumentException("An empty source: an encoder–decoder needs at least one symbol to read.");
        foreach (var id in source)
        {
            if ((uint)id >= (uint)SourceSymbols.Count)
                throw new ArgumentOutOfRangeException(nameof(source), id, $"outside the source vocabulary of {SourceSymbols.Count}");
        }
        return source;
    }

    /// <summary>Teacher-forced loss and greedy accuracies on <paramref name="pairs"/>.</summary>
    public EncoderDecoderEvaluation Evaluate(IReadOnlyList<SequencePair> pairs)
    {
        if (pairs.Count == 0)
            throw new ArgumentException("Nothing to evaluate: no pairs.");
        var batch = new PairBatch(Network.Shape.Boundary);
        double lossSum = 0;
        long steps = 0;
        foreach (var (first, count) in Batches(pairs.Select(p => Math.Max(p.Source.Length, p.Target.Length + 1)).ToArray()))
        {
            var indices = Enumerable.Range(first, count).ToArray();
            batch.Fill(pairs, indices);
            Network.Forward(batch.Source, batch.Target, Threads);
            lossSum += Network.Head.StepLossSum(Network.LogitBuffer, batch.Target, null, 1, Threads);
            steps += batch.Target.LabelledSteps;
        }
        var outputs = Decode(pairs.Select(p => p.Source).ToArray());
        var (token, sequence) = EncoderDecoderEvaluation.Accuracies(outputs, pairs.Select(p => p.Target).ToArray());
        return new EncoderDecoderEvaluation(pairs.Count, lossSum / steps, token, sequence);
    }

    /// <summary>Writes the model as format 4.</summary>
    public void Save(string path) => EncoderDecoderFile.Save(this, path);

    /// <summary>Reads a model <see cref="Save"/> wrote; a corrupt or other file raises <see cref="InvalidDataException"/>.</summary>
    public static EncoderDecoderModel Load(string path) => EncoderDecoderFile.Load(path);
}
