using System.Globalization;

namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// A label as read, before the dataset decides whether labels are classes or regression targets (that needs
/// the whole training file).
/// </summary>
/// <param name="Text">The class name this label would have.</param>
/// <param name="Number">The numeric value when the label is a number (possibly not finite); null for names.</param>
internal readonly record struct RawLabel(string Text, double? Number)
{
    /// <summary>No label: allowed only in data that is to be predicted, never in training or evaluation data.</summary>
    public static RawLabel Missing { get; } = new("", null);

    /// <summary>True for <see cref="Missing"/>.</summary>
    public bool IsMissing => Text.Length == 0 && Number is null;

    /// <summary>A label given as a name; it is never a regression target.</summary>
    public static RawLabel FromName(string name) => new(name, null);

    /// <summary>
    /// A label given as a number. Its class name is the shortest round-trip text, so 1 and 1.0 name the same
    /// class "1".
    /// </summary>
    public static RawLabel FromNumber(double value)
    {
        if (value == 0)
            value = 0; // folds -0 into 0 so both name class "0"
        return new(value.ToString("R", CultureInfo.InvariantCulture), value);
    }

    /// <summary>
    /// A label from a text field: a number when the whole trimmed text parses as one (invariant culture),
    /// otherwise a name.
    /// </summary>
    public static RawLabel FromText(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? FromNumber(value)
            : FromName(text);

    /// <summary>True for a finite number with a fractional part, the mark of a regression target.</summary>
    public bool IsFractional => Number is { } v && double.IsFinite(v) && Math.Floor(v) != v;
}
