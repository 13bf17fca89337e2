using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Training;

/// <summary>
/// The options of one training run as a user gives them, whichever way: the flags of <c>recurrent train</c>
/// (<c>--clip-norm</c>), the fields of <c>POST /api/runs</c> and of a sweep's base and grid (<c>clip_norm</c>). It is
/// the engine's <see cref="SequenceModelOptions"/> (every option declared there once: name, type, default in
/// <see cref="SequenceModelOptions.Defaults"/>, range, help) plus the data loader's options a run takes, declared
/// here over <see cref="DatasetOptions"/> (whose defaults they keep). <see cref="TrainingOptions"/> derives the flags,
/// the JSON fields and their documentation from these declarations; <see cref="TrainingRequestMapper"/> checks them.
/// </summary>
public class TrainingRequest : SequenceModelOptions
{
    private readonly Dictionary<string, string> _given = new(StringComparer.Ordinal);
    private readonly List<(string Option, string First, string Second)> _conflicts = [];

    // The data loader's options, whose defaults the properties below keep.
    [JsonIgnore]
    internal DatasetOptions DataOptions { get; } = new();

    /// <summary>Fraction of a training file held out for validation, chosen by the seed. Default 0.</summary>
    [Description("Hold out this fraction of the training file for validation.")]
    [Range(0d, 1d, MaximumIsExclusive = true)]
    public double ValidationFraction { get => DataOptions.ValidationFraction; set => DataOptions.ValidationFraction = value; }

    /// <summary>Built-in tasks: sequences to generate (none: 1000); files: read at most this many. Default none.</summary>
    [Description("Built-in tasks: sequences to generate (none: 1000); files: read at most this many.")]
    [Range(1, int.MaxValue)]
    public int? Count { get => DataOptions.Count; set => DataOptions.Count = value; }

    /// <summary>Most token ids kept, the reserved &lt;pad&gt; and &lt;unk&gt; included. Default none (unlimited).</summary>
    [Description("Keep at most this many token ids, the two reserved ones (padding, unknown) included; none: unlimited.")]
    [Range(2, int.MaxValue)]
    public int? VocabularyMaxSize
    {
        get => DataOptions.VocabularyMaxSize == int.MaxValue ? null : DataOptions.VocabularyMaxSize;
        set => DataOptions.VocabularyMaxSize = value ?? int.MaxValue;
    }

    /// <summary>Keep tokens seen at least this often in training. Default 1.</summary>
    [Description("Keep tokens seen at least this often in training.")]
    [Range(1, int.MaxValue)]
    public int VocabularyMinCount { get => DataOptions.VocabularyMinCount; set => DataOptions.VocabularyMinCount = value; }

    /// <summary>Cut longer sequences to this many steps. Default none.</summary>
    [Description("Cut longer sequences to this many steps.")]
    [Range(1, int.MaxValue)]
    public int? MaxLength { get => DataOptions.MaxLength; set => DataOptions.MaxLength = value; }

    /// <summary>Which part of a too-long sequence is kept. Default keep-first.</summary>
    [Description("Which part of a too-long sequence is kept.")]
    public TruncationPolicy Truncation { get => DataOptions.Truncation; set => DataOptions.Truncation = value; }

    /// <summary>Whether the user gave this option (by its property name), under any spelling.</summary>
    internal bool WasGiven(string option) => _given.ContainsKey(option);

    /// <summary>The JSON field the user gave an option as (<c>lr</c> or <c>learning_rate</c>); its own when not given.</summary>
    internal string FieldOf(string option) => _given.GetValueOrDefault(option) ?? TrainingOptions.JsonName(option);

    /// <summary>Options the user gave twice, under two spellings (a name and its deprecated alias).</summary>
    internal IReadOnlyList<(string Option, string First, string Second)> Conflicts => _conflicts;

    /// <summary>Records that the user gave <paramref name="option"/> as <paramref name="spelling"/>.</summary>
    internal void Gave(string option, string spelling)
    {
        if (_given.TryGetValue(option, out var first) && first != spelling)
            _conflicts.Add((option, first, spelling));
        _given.TryAdd(option, spelling);
    }
}
