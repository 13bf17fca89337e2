using System.Text;

namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// A character language model over a text file (<c>charlm:PATH[:L]</c>): every step's input is a character and its
/// label the next character. The text (UTF-8, line ends folded to \n) is cut into three contiguous parts, the first
/// 90% for training, the next 5% for validation and the last 5% for test, so nothing held out overlaps training;
/// each part is cut into sequences of L characters, each step labelled with the character after it. The alphabet
/// (vocabulary and classes, in code-point order) is every character of the whole file: a language model over a
/// known alphabet, scored on text it has not seen.
/// </summary>
internal static class CharacterText
{
    /// <summary>
    /// The largest text read (16 MiB), so a stray path cannot exhaust memory: a character costs about 20 bytes while
    /// it is split and encoded.
    /// </summary>
    public const long MaxBytes = 16L << 20;

    /// <summary>The shortest text that leaves every part two characters (one step).</summary>
    public const int MinCharacters = 40;

    private const double TrainShare = 0.90, ValidationShare = 0.05;

    /// <summary>Train, validation and test parts, and the unigram baseline on the test part.</summary>
    public static DatasetSplits Load(DatasetSpec spec, DatasetOptions options)
    {
        var text = Read(spec.Path!);
        if (text.Length < MinCharacters)
            throw new DataFormatException(spec.Path!, null, null,
                $"the text has {text.Length} characters; a character language model needs at least {MinCharacters} " +
                "(90% to train on, 5% each held out for validation and test)");
        var alphabet = text.Distinct().Order().Select(r => r.ToString()).ToArray();
        if (alphabet.Length < 2)
            throw new DataFormatException(spec.Path!, null, null, "the text has a single distinct character; there is nothing to predict");
        var vocabulary = new Vocabulary(alphabet);
        var labels = LabelSet.Classes(alphabet);
        var classOf = alphabet.Select((c, i) => (Rune.GetRuneAt(c, 0), i)).ToDictionary(p => p.Item1, p => p.i);
        var ids = Array.ConvertAll(text, r => classOf[r]);
        var n = ids.Length;
        var trainEnd = (int)(n * TrainShare);
        var validationEnd = (int)(n * (TrainShare + ValidationShare));
        SequenceDataset Part(int start, int end, int? limit, string split) =>
            Windows(ids, start, end, spec.Length, limit, vocabulary, labels, $"{spec.Text} ({split})", options.Cancellation);
        var train = Part(0, trainEnd, options.Count, "train");
        return new DatasetSplits(train, Part(trainEnd, validationEnd, options.EvaluationCount, "validation"),
            Part(validationEnd, n, options.EvaluationCount, "test"))
        {
            Baseline = new TaskBaseline("unigram: each character's training frequency (add-one), ignoring context",
                UnigramCrossEntropy(ids, trainEnd, validationEnd + 1, n, alphabet.Length)),
        };
    }

    /// <summary>A whole text file encoded with a trained model's alphabet (to evaluate it on other text).</summary>
    public static SequenceDataset LoadLike(DatasetSpec spec, SequenceDataset training, DatasetOptions options)
    {
        if (!training.PerStep || training.TokenUnit != TokenUnit.Character)
            throw new DataFormatException(spec.Text, null, "spec",
                $"the training data ({training.Name}) is not a character language model");
        var text = Read(spec.Path!);
        var ids = new int[text.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = training.Labels.IndexOf(text[i].ToString());
            if (ids[i] < 0)
            {
                var (line, column) = Position(text, i);
                throw new DataFormatException(spec.Path!, line, "text",
                    $"column {column}: the character '{text[i]}' (U+{text[i].Value:X4}) does not occur in the training " +
                    $"text ({training.Name})");
            }
        }
        if (ids.Length < 2)
            throw new DataFormatException(spec.Path!, null, null, "the text needs at least two characters");
        return Windows(ids, 0, ids.Length, spec.Length, options.EvaluationCount, training.Vocabulary!, training.Labels, spec.Text);
    }

    // Sequences of up to `window` characters from ids[start, end): inputs ids[t], labels ids[t + 1].
    private static SequenceDataset Windows(int[] ids, int start, int end, int window, int? limit, Vocabulary vocabulary,
        LabelSet labels, string name, CancellationToken cancellation = default)
    {
        var tokenOf = labels.ClassNames.Select(vocabulary.IdOf).ToArray();
        var examples = new List<SequenceExample>();
        for (var first = start; first + 1 < end && (limit is null || examples.Count < limit); first += window)
        {
            cancellation.ThrowIfCancellationRequested();
            var length = Math.Min(window, end - 1 - first);
            var tokens = new int[length];
            var next = new int[length];
            for (var t = 0; t < length; t++)
            {
                tokens[t] = tokenOf[ids[first + t]];
                next[t] = ids[first + t + 1];
            }
            examples.Add(SequenceExample.FromTokens(tokens, next));
        }
        return new SequenceDataset(name, InputKind.Tokens, 0, vocabulary, labels, examples, perStep: true)
        {
            TokenUnit = TokenUnit.Character,
        };
    }

    // −mean log p(c) over the targets ids[from, to) under the training part's add-one unigram frequencies.
    private static double UnigramCrossEntropy(int[] ids, int trainEnd, int from, int to, int classes)
    {
        var counts = new long[classes];
        for (var i = 0; i < trainEnd; i++)
            counts[ids[i]]++;
        var total = trainEnd + classes;
        var sum = 0.0;
        for (var i = from; i < to; i++)
            sum -= Math.Log((counts[ids[i]] + 1.0) / total);
        return sum / Math.Max(1, to - from);
    }

    /// <summary>
    /// What <see cref="Load"/> decides for its training part, read as a stream (memory of the alphabet, not of the
    /// text), with the same errors: the training windows, their length and the alphabet as classes.
    /// </summary>
    public static DatasetSummary Summarize(DatasetSpec spec)
    {
        var (characters, alphabet) = Scan(spec.Path!);
        // The training part's windows of L characters, each predicting the character after it (Windows).
        var trainEnd = (long)(characters * TrainShare);
        var windows = (int)((trainEnd - 1 + spec.Length - 1) / spec.Length);
        var labels = LabelSet.Classes(alphabet.Select(c => new Rune(c).ToString()).ToArray());
        return new DatasetSummary(spec.Path!, InputKind.Tokens, 0, windows, (int)Math.Min(spec.Length, trainEnd - 1), labels, PerStep: true);
    }

    /// <summary>
    /// The sizes of <see cref="Load"/>'s three parts after the loader's truncation, read as a stream (memory of the
    /// alphabet, not of the text), with the same errors.
    /// </summary>
    public static DatasetMeasure Measure(DatasetSpec spec, DatasetOptions options)
    {
        var (characters, alphabet) = Scan(spec.Path!);
        var n = (int)characters;
        var trainEnd = (int)(n * TrainShare);
        var validationEnd = (int)(n * (TrainShare + ValidationShare));
        var (train, trainLongest) = WindowsOf(0, trainEnd, spec.Length, options.Count);
        var (validation, validationLongest) = WindowsOf(trainEnd, validationEnd, spec.Length, options.EvaluationCount);
        var (test, testLongest) = WindowsOf(validationEnd, n, spec.Length, options.EvaluationCount);
        int Cut(int steps) => options.MaxLength is int max ? Math.Min(steps, max) : steps;
        var labels = LabelSet.Classes(alphabet.Select(c => new Rune(c).ToString()).ToArray());
        return new DatasetMeasure(InputKind.Tokens, 0, train, validation + test, Cut(trainLongest),
            Cut(Math.Max(trainLongest, Math.Max(validationLongest, testLongest))), alphabet.Count + 2, labels, PerStep: true);
    }

    // How many windows Windows cuts from [start, end) and the longest (the first): each predicts the character after it.
    private static (int Count, int Longest) WindowsOf(int start, int end, int window, int? limit)
    {
        var steps = end - 1 - start;
        if (steps <= 0)
            return (0, 0);
        var count = (steps + window - 1) / window;
        return (limit is int most ? Math.Min(count, most) : count, Math.Min(window, steps));
    }

    // The text's length in characters (line ends folded) and its alphabet, streamed, with Load's errors.
    private static (long Characters, SortedSet<int> Alphabet) Scan(string path)
    {
        using var stream = DataFile.OpenRead(path);
        if (stream.Length > MaxBytes)
            throw new DataFormatException(path, null, null,
                $"the text is {stream.Length:N0} bytes; a character language model reads at most {MaxBytes:N0}");
        var alphabet = new SortedSet<int>();
        long characters = 0;
        try
        {
            using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), true);
            var buffer = new char[1 << 14];
            var previousCarriageReturn = false;
            char? pendingHigh = null;
            int read;
            while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                for (var i = 0; i < read; i++)
                {
                    var c = buffer[i];
                    if (pendingHigh is { } high)
                    {
                        pendingHigh = null;
                        alphabet.Add(char.ConvertToUtf32(high, c));
                        characters++;
                        continue;
                    }
                    if (char.IsHighSurrogate(c))
                    {
                        pendingHigh = c;
                        continue;
                    }
                    // \r\n and a lone \r are one \n, as Read folds them.
                    if (c == '\n' && previousCarriageReturn)
                    {
                        previousCarriageReturn = false;
                        continue;
                    }
                    previousCarriageReturn = c == '\r';
                    alphabet.Add(c == '\r' ? '\n' : c);
                    characters++;
                }
            }
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException(path, null, null, $"the file is not UTF-8 text ({e.Message})", e);
        }
        if (characters < MinCharacters)
            throw new DataFormatException(path, null, null,
                $"the text has {characters} characters; a character language model needs at least {MinCharacters} " +
                "(90% to train on, 5% each held out for validation and test)");
        if (alphabet.Count < 2)
            throw new DataFormatException(path, null, null, "the text has a single distinct character; there is nothing to predict");
        return (characters, alphabet);
    }

    // The text's characters (Unicode scalar values), every line end as one \n.
    private static Rune[] Read(string path)
    {
        using var stream = DataFile.OpenRead(path);
        if (stream.Length > MaxBytes)
            throw new DataFormatException(path, null, null,
                $"the text is {stream.Length:N0} bytes; a character language model reads at most {MaxBytes:N0}");
        string content;
        try
        {
            using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), true);
            content = reader.ReadToEnd();
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException(path, null, null, $"the file is not UTF-8 text ({e.Message})", e);
        }
        var runes = new List<Rune>(content.Length);
        for (var i = 0; i < content.Length;)
        {
            Rune.DecodeFromUtf16(content.AsSpan(i), out var rune, out var used);
            i += used;
            if (rune.Value == '\r')
            {
                // \r\n and a lone \r both end a line: one \n.
                if (i < content.Length && content[i] == '\n')
                    i++;
                rune = new Rune('\n');
            }
            runes.Add(rune);
        }
        return [.. runes];
    }

    // The 1-based line and column of character `index`, for an error message.
    private static (long Line, int Column) Position(Rune[] text, int index)
    {
        long line = 1;
        var column = 1;
        for (var i = 0; i < index; i++)
        {
            if (text[i].Value == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }
        return (line, column);
    }
}
