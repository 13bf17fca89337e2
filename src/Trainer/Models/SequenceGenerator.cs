using System.Text;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;

namespace Recurrent.Trainer.Models;

/// <summary>
/// Samples from a language model (a per-step softmax head over token input, one direction) one step at a time
/// (one-to-many). It keeps the network's state between calls, so feeding a prime and then sampling token after
/// token never runs the prefix again; <see cref="Reset"/> starts over from the zero state. Each sampled class is
/// fed back as the token of the same name. Samples come from its own generator, seeded at creation, so the same
/// seed and the same calls give the same tokens. Made by <see cref="SequenceModel.CreateGenerator"/>.
/// </summary>
public sealed class SequenceGenerator
{
    private readonly SequenceModel _model;
    private readonly SequenceNetwork _network;
    private readonly DeterministicRandom _random;
    private readonly int[] _tokenOfClass;

    // Per layer: the last d states (h and c) of a layer of dilation d, slot t mod d holding step t's; zeros at first.
    private readonly float[][] _states, _cells;
    private readonly float[] _input, _logits, _previousState, _previousCell;
    private readonly double[] _probabilities;
    private bool _hasLogits;

    internal SequenceGenerator(SequenceModel model, int seed)
    {
        var shape = model.Network.Shape;
        if (!shape.PerStep || shape.Head != HeadKind.MultiClass || shape.InputKind != InputKind.Tokens)
            throw new InvalidOperationException(
                "Only a language model samples: a per-step head over more than two classes, reading tokens.");
        if (shape.Bidirectional)
            throw new InvalidOperationException("A bidirectional model reads the future and cannot sample one step at a time.");
        if (shape.SkipUpdates)
            throw new InvalidOperationException(
                "A model with skip gates carries its update probability ũ between steps; sampling it one step at a time is not supported.");
        _model = model;
        _network = model.Network;
        _random = new DeterministicRandom((ulong)seed);
        var vocabulary = model.Vocabulary!;
        _tokenOfClass = model.Labels.ClassNames.Select(vocabulary.IdOf).ToArray();
        _states = new float[shape.Layers][];
        _cells = new float[shape.Layers][];
        for (var l = 0; l < shape.Layers; l++)
        {
            _states[l] = new float[shape.DilationOf(l) * shape.Hidden];
            _cells[l] = new float[shape.DilationOf(l) * shape.Hidden];
        }
        _input = new float[Math.Max(shape.InputWidth, shape.Hidden)];
        _logits = new float[shape.Outputs];
        _previousState = new float[shape.Hidden];
        _previousCell = new float[shape.Hidden];
        _probabilities = new double[shape.Outputs];
    }

    /// <summary>Tokens fed since creation or the last <see cref="Reset"/>.</summary>
    public int Steps { get; private set; }

    /// <summary>The logits of the next token after the last one fed (empty before anything was fed).</summary>
    public ReadOnlySpan<float> Logits => _hasLogits ? _logits : [];

    /// <summary>Back to the zero state, as before the first token.</summary>
    public void Reset()
    {
        foreach (var s in _states)
            Array.Clear(s);
        foreach (var c in _cells)
            Array.Clear(c);
        Steps = 0;
        _hasLogits = false;
    }

    /// <summary>Runs one step on <paramref name="tokenId"/> (an id of the model's vocabulary).</summary>
    public void Feed(int tokenId)
    {
        if ((uint)tokenId >= (uint)_model.Vocabulary!.Count)
            throw new ArgumentOutOfRangeException(nameof(tokenId), tokenId, $"outside the vocabulary of {_model.Vocabulary.Count}");
        var shape = _network.Shape;
        lock (_model.InferenceLock)
        {
            var width = shape.InputWidth;
            _network.Embedding!.Value.AsSpan(tokenId * width, width).CopyTo(_input);
            for (var l = 0; l < shape.Layers; l++)
            {
                var direction = _network.Layers[l][0];
                var hidden = shape.Hidden;
                var slot = Steps % shape.DilationOf(l) * hidden;
                // Slot t mod d holds s_{t−d}, which step t reads and then replaces with s_t.
                _states[l].AsSpan(slot, hidden).CopyTo(_previousState);
                _cells[l].AsSpan(slot, hidden).CopyTo(_previousCell);
                direction.Step(_input.AsSpan(0, direction.InputSize), 1, _previousState, _previousCell,
                    _states[l].AsSpan(slot, hidden), _cells[l].AsSpan(slot, hidden), _network.WeightVersion);
                _states[l].AsSpan(slot, hidden).CopyTo(_input);
            }
            _network.Head.Forward(_input.AsSpan(0, shape.Hidden), 1, _logits);
        }
        Steps++;
        _hasLogits = true;
    }

    /// <summary>Runs one step per token, in order.</summary>
    public void Feed(IEnumerable<int> tokenIds)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        foreach (var id in tokenIds)
            Feed(id);
    }

    /// <summary>Feeds text split as the model's <see cref="SequenceModel.TokenUnit"/> says (unknown tokens as &lt;unk&gt;).</summary>
    public void FeedText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Feed(Tokens(text).Select(_model.Vocabulary!.IdOf));
    }

    /// <summary>
    /// The distribution of the next class, softmax(z / τ); τ = 0 puts all mass on the most likely class.
    /// </summary>
    public double[] Probabilities(double temperature = 1.0)
    {
        Distribution(temperature);
        return (double[])_probabilities.Clone();
    }

    /// <summary>
    /// Draws the next class from softmax(z / <paramref name="temperature"/>) (τ = 0: the most likely one), feeds its
    /// token, and returns the class index (a name in <see cref="SequenceModel.Labels"/>).
    /// </summary>
    public int Sample(double temperature = 1.0)
    {
        Distribution(temperature);
        var u = _random.NextDouble();
        var chosen = _probabilities.Length - 1;
        var cumulative = 0.0;
        for (var c = 0; c < _probabilities.Length; c++)
        {
            cumulative += _probabilities[c];
            if (u < cumulative)
            {
                chosen = c;
                break;
            }
        }
        Feed(_tokenOfClass[chosen]);
        return chosen;
    }

    /// <summary>Samples <paramref name="length"/> tokens and returns them as text (characters joined, words spaced).</summary>
    public string SampleText(int length, double temperature = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var text = new StringBuilder();
        var words = _model.TokenUnit == TokenUnit.Word;
        for (var i = 0; i < length; i++)
        {
            var token = _model.Labels.ClassNames[Sample(temperature)];
            if (words && i > 0)
                text.Append(' ');
            text.Append(token);
        }
        return text.ToString();
    }

    private IEnumerable<string> Tokens(string text) => _model.TokenUnit == TokenUnit.Character
        ? text.EnumerateRunes().Select(r => r.ToString())
        : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private void Distribution(double temperature)
    {
        if (!double.IsFinite(temperature) || temperature < 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature is a number ≥ 0");
        if (!_hasLogits)
            throw new InvalidOperationException("Feed at least one token (a prime) before sampling: the model has no start token.");
        var best = 0;
        for (var c = 1; c < _logits.Length; c++)
        {
            if (_logits[c] > _logits[best])
                best = c;
        }
        if (temperature == 0)
        {
            Array.Clear(_probabilities);
            _probabilities[best] = 1;
            return;
        }
        var sum = 0.0;
        for (var c = 0; c < _logits.Length; c++)
        {
            _probabilities[c] = Math.Exp(((double)_logits[c] - _logits[best]) / temperature);
            sum += _probabilities[c];
        }
        for (var c = 0; c < _logits.Length; c++)
            _probabilities[c] /= sum;
    }
}
