namespace Recurrent.Trainer.Data;

/// <summary>What a dataset spec names.</summary>
internal enum DatasetKind
{
    /// <summary>A JSON Lines file (path ending <c>.jsonl</c>).</summary>
    JsonlFile,

    /// <summary>A CSV file with <c>label</c> and <c>text</c> columns (path ending <c>.csv</c>).</summary>
    CsvFile,

    /// <summary>The adding problem, <c>adding:T</c>.</summary>
    Adding,

    /// <summary>The temporal order problem, <c>temporal-order:T</c> or <c>temporal-order:T:8</c>.</summary>
    TemporalOrder,

    /// <summary>Information latching, <c>latch:T</c>.</summary>
    Latch,

    /// <summary>Seed 001's three one-hot sentences, <c>seed-toy</c>.</summary>
    SeedToy,

    /// <summary>Fashion-MNIST with each image row a step, <c>fashion-mnist-rows</c>.</summary>
    FashionMnistRows,

    /// <summary>Fashion-MNIST with each pixel a step, <c>fashion-mnist-pixels</c>.</summary>
    FashionMnistPixels,

    /// <summary>A CoNLL-style tagging file, a token and its label per line (path ending <c>.conll</c>).</summary>
    ConllFile,

    /// <summary>The copying memory problem, <c>copy:T</c> (a label per step).</summary>
    Copy,

    /// <summary>A character language model over a text file, <c>charlm:PATH</c> or <c>charlm:PATH:L</c>.</summary>
    CharacterText,
}
