namespace Recurrent.Trainer.Data;

/// <summary>
/// The labels of a task: named classes (two classes train a sigmoid head, more a softmax head) or a
/// regression target.
/// </summary>
public sealed class LabelSet
{
    private readonly Dictionary<string, int> _indexByName;

    private LabelSet(bool isRegression, IReadOnlyList<string> classNames)
    {
        IsRegression = isRegression;
        ClassNames = classNames;
        _indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < classNames.Count; i++)
        {
            if (!_indexByName.TryAdd(classNames[i], i))
                throw new ArgumentException($"Class name '{classNames[i]}' appears twice.", nameof(classNames));
        }
    }

    /// <summary>True for a regression task (one real-valued target per sequence).</summary>
    public bool IsRegression { get; }

    /// <summary>Class names in index order (empty for regression).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes (0 for regression).</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>A regression label set.</summary>
    public static LabelSet Regression() => new(true, []);

    /// <summary>Classes in exactly the given order.</summary>
    public static LabelSet Classes(IReadOnlyList<string> classNames)
    {
        if (classNames.Count < 2)
            throw new ArgumentException(
                $"A classifier needs at least two classes; got {classNames.Count}.", nameof(classNames));
        return new(false, classNames.ToArray());
    }

    /// <summary>
    /// Classes from the labels seen in data, ordered so that numbers sort numerically ("0" before "1" before
    /// "10") and other names ordinally; for a binary task the second class is the positive one.
    /// </summary>
    public static LabelSet FromObserved(IEnumerable<string> labels) =>
        Classes(labels.Distinct(StringComparer.Ordinal).Order(LabelOrder.Instance).ToArray());

    /// <summary>The index of a class name, or -1 when the name is not a class of this set.</summary>
    public int IndexOf(string name) => _indexByName.GetValueOrDefault(name, -1);

    private sealed class LabelOrder : IComparer<string>
    {
        public static readonly LabelOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var xIsNumber = double.TryParse(x, System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var xv);
            var yIsNumber = double.TryParse(y, System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var yv);
            if (xIsNumber && yIsNumber && xv != yv)
                return xv.CompareTo(yv);
            if (xIsNumber != yIsNumber)
                return xIsNumber ? -1 : 1;
            return string.CompareOrdinal(x, y);
        }
    }
}
