using System.Globalization;
using Recurrent.Trainer.Data.Synthetic;

namespace Recurrent.Trainer.Data;

/// <summary>
/// A parsed dataset spec. The grammar:
/// <code>
/// spec := PATH.jsonl | PATH.csv | PATH.conll     (suffix matched case-insensitively)
///       | adding:T                               (T ≥ 2)
///       | temporal-order:T | temporal-order:T:C  (T ≥ 10, C = 4 or 8 classes, default 4)
///       | latch:T                                (T ≥ 1)
///       | copy:T                                 (T ≥ 1; sequences of T + 20 steps, a label per step)
///       | charlm:PATH | charlm:PATH:L            (a text file; L ≥ 1 characters per sequence, default 100)
///       | seed-toy | fashion-mnist-rows | fashion-mnist-pixels
/// </code>
/// Built-in names are matched case-insensitively; T and L are decimal integers.
/// </summary>
internal sealed class DatasetSpec
{
    /// <summary>Characters per sequence of <c>charlm:PATH</c> when L is not given.</summary>
    public const int DefaultCharacterWindow = 100;

    private static readonly string Grammar =
        "expected a path ending .jsonl, .csv or .conll, or one of adding:T, temporal-order:T, temporal-order:T:8, " +
        "latch:T, copy:T, charlm:PATH, charlm:PATH:L, seed-toy, fashion-mnist-rows, fashion-mnist-pixels";

    private DatasetSpec(string text, DatasetKind kind, string? path, int length, int classCount)
    {
        Text = text;
        Kind = kind;
        Path = path;
        Length = length;
        ClassCount = classCount;
    }

    /// <summary>The spec as written.</summary>
    public string Text { get; }

    /// <summary>What the spec names.</summary>
    public DatasetKind Kind { get; }

    /// <summary>The file path for file specs; null for built-ins.</summary>
    public string? Path { get; }

    /// <summary>The sequence length T of a synthetic task (copy: the delay T), or L of <c>charlm</c>; 0 otherwise.</summary>
    public int Length { get; }

    /// <summary>The class count of <c>temporal-order</c> (4 or 8); 0 otherwise.</summary>
    public int ClassCount { get; }

    /// <summary>True for a spec that reads a file of the user's (charlm included); false for a built-in dataset.</summary>
    public bool IsFile => Kind is DatasetKind.JsonlFile or DatasetKind.CsvFile or DatasetKind.ConllFile
        or DatasetKind.CharacterText;

    /// <summary>True for the generated tasks (adding, temporal order, latch, copy) that make their own splits.</summary>
    public bool IsSynthetic => Kind is DatasetKind.Adding or DatasetKind.TemporalOrder or DatasetKind.Latch
        or DatasetKind.Copy;

    /// <summary>True for a task with a label per step (copy, charlm; a file says so by its content).</summary>
    public bool IsPerStep => Kind is DatasetKind.Copy or DatasetKind.CharacterText or DatasetKind.ConllFile;

    /// <summary>Parses a spec; a spec naming nothing known, or with bad parameters, is a <see cref="DataFormatException"/>.</summary>
    public static DatasetSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            return new(text, DatasetKind.JsonlFile, text, 0, 0);
        if (text.StartsWith("charlm:", StringComparison.OrdinalIgnoreCase))
            return CharacterText(text);
        if (text.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            return new(text, DatasetKind.CsvFile, text, 0, 0);
        if (text.EndsWith(".conll", StringComparison.OrdinalIgnoreCase))
            return new(text, DatasetKind.ConllFile, text, 0, 0);
        var parts = text.Split(':');
        var name = parts[0].ToLowerInvariant();
        switch (name)
        {
            case "seed-toy":
                NoParameters(text, parts);
                return new(text, DatasetKind.SeedToy, null, 0, 0);
            case "fashion-mnist-rows":
                NoParameters(text, parts);
                return new(text, DatasetKind.FashionMnistRows, null, 0, 0);
            case "fashion-mnist-pixels":
                NoParameters(text, parts);
                return new(text, DatasetKind.FashionMnistPixels, null, 0, 0);
            case "adding":
                Arity(text, parts, 1, 1, "adding:T");
                return new(text, DatasetKind.Adding, null, LengthOf(text, parts[1], AddingTask.MinLength), 0);
            case "latch":
                Arity(text, parts, 1, 1, "latch:T");
                return new(text, DatasetKind.Latch, null, LengthOf(text, parts[1], LatchTask.MinLength), 0);
            case "copy":
                Arity(text, parts, 1, 1, "copy:T");
                return new(text, DatasetKind.Copy, null, LengthOf(text, parts[1], CopyTask.MinLength), 0);
            case "temporal-order":
                Arity(text, parts, 1, 2, "temporal-order:T or temporal-order:T:C");
                var length = LengthOf(text, parts[1], TemporalOrderTask.MinLength);
                var classes = parts.Length == 3 ? Integer(text, parts[2], "C") : 4;
                if (classes is not (4 or 8))
                    throw new DataFormatException(text, null, "C",
                        $"temporal-order has 4 classes (two relevant symbols) or 8 (three), not {parts[2]}");
                return new(text, DatasetKind.TemporalOrder, null, length, classes);
            default:
                throw new DataFormatException(text, null, "spec", $"unknown dataset '{text}'; {Grammar}");
        }
    }

    /// <summary>The spec as written.</summary>
    public override string ToString() => Text;

    // charlm:PATH or charlm:PATH:L; the path may hold colons, so only an all-digit last part is L.
    private static DatasetSpec CharacterText(string text)
    {
        var rest = text["charlm:".Length..];
        var window = DefaultCharacterWindow;
        var colon = rest.LastIndexOf(':');
        if (colon >= 0 && colon + 1 < rest.Length && rest[(colon + 1)..].All(char.IsAsciiDigit))
        {
            window = Integer(text, rest[(colon + 1)..], "L");
            if (window < 1)
                throw new DataFormatException(text, null, "L", $"a sequence needs at least 1 character, not {window}");
            rest = rest[..colon];
        }
        if (rest.Length == 0)
            throw new DataFormatException(text, null, "spec", "expected the form charlm:PATH or charlm:PATH:L");
        return new(text, DatasetKind.CharacterText, rest, window, 0);
    }

    private static void NoParameters(string text, string[] parts)
    {
        if (parts.Length > 1)
            throw new DataFormatException(text, null, "spec", $"'{parts[0]}' takes no parameters");
    }

    private static void Arity(string text, string[] parts, int min, int max, string form)
    {
        if (parts.Length - 1 < min || parts.Length - 1 > max)
            throw new DataFormatException(text, null, "spec", $"expected the form {form}");
    }

    private static int LengthOf(string text, string value, int min)
    {
        var length = Integer(text, value, "T");
        return length >= min
            ? length
            : throw new DataFormatException(text, null, "T", $"the length T must be at least {min}, not {length}");
    }

    private static int Integer(string text, string value, string field) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new DataFormatException(text, null, field, $"'{value}' is not a whole number");
}
