namespace Recurrent.Trainer.Data;

/// <summary>
/// Everything that decides how a dataset spec becomes sequences. Every field has a documented default; the
/// defaults read whole files, keep every token seen in training, never truncate and hold nothing out.
/// </summary>
public sealed class DatasetOptions
{
    /// <summary>
    /// Seed of every random choice in the data: synthetic sequences, the validation hold-out. The same seed gives
    /// the same data. Default 1.
    /// </summary>
    public int Seed { get; set; } = SequenceModelOptions.Defaults.Seed;

    /// <summary>
    /// <see cref="DatasetLoader.LoadLike"/> only: records may leave out their label (data to predict); such records get
    /// a placeholder label. Training and evaluation data always need labels. Default false.
    /// </summary>
    public bool LabelsOptional { get; set; }

    /// <summary>
    /// Training sequences. Synthetic tasks generate exactly this many (null: 1000); files and Fashion-MNIST read
    /// at most this many from the start of the training file (null: all). Not allowed for <c>seed-toy</c>.
    /// Default null.
    /// </summary>
    public int? Count { get; set; }

    /// <summary>
    /// Validation and test sequences. Synthetic tasks generate exactly this many of each (null: a fifth of the
    /// training count, at least 1); validation and test files and the Fashion-MNIST test set read at most this
    /// many (null: all). Default null.
    /// </summary>
    public int? EvaluationCount { get; set; }

    /// <summary>
    /// Fraction of the training sequences held out as the validation set, chosen from <see cref="Seed"/>; must be
    /// in [0, 1). Used only when no validation spec is given; synthetic tasks generate their own validation set
    /// and do not take it. Default 0 (no validation set unless one is given).
    /// </summary>
    public double ValidationFraction { get; set; }

    /// <summary>Most ids in a token vocabulary, the two reserved ids included (at least 2). Default unlimited.</summary>
    public int VocabularyMaxSize { get; set; } = int.MaxValue;

    /// <summary>A training token enters the vocabulary when seen at least this many times. Default 1.</summary>
    public int VocabularyMinCount { get; set; } = 1;

    /// <summary>Longest sequence kept, in steps; longer ones are cut by <see cref="Truncation"/>. Default null (no limit).</summary>
    public int? MaxLength { get; set; }

    /// <summary>Which steps a too-long sequence keeps. Default <see cref="TruncationPolicy.KeepFirst"/>.</summary>
    public TruncationPolicy Truncation { get; set; } = TruncationPolicy.KeepFirst;

    /// <summary>How file labels become classes or targets. Default <see cref="LabelMode.Auto"/>.</summary>
    public LabelMode LabelMode { get; set; } = LabelMode.Auto;

    /// <summary>
    /// Where the Fashion-MNIST IDX files are (the Debian package <c>dataset-fashion-mnist</c> installs them in
    /// the default). Default <c>/usr/share/datasets/fashion-mnist</c>.
    /// </summary>
    public string FashionMnistDirectory { get; set; } = "/usr/share/datasets/fashion-mnist";

    /// <summary>
    /// Stops a load that takes long (millions of generated sequences, Fashion-MNIST, a large file) between sequences:
    /// the load throws <see cref="OperationCanceledException"/> and keeps nothing. Default none.
    /// </summary>
    internal CancellationToken Cancellation { get; set; }

    /// <summary>
    /// Most UTF-8 bytes in one record of a CSV file, where a quoted field may span lines, or one sentence of a CoNLL
    /// file, which spans lines (so a bound on line length alone bounds nothing): a longer record is refused as it is
    /// read with a
    /// <see cref="Files.RecordTooLongException"/> naming the line where it started. Default none.
    /// </summary>
    internal long? MaxRecordBytes { get; set; }
}
