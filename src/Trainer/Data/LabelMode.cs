namespace Recurrent.Trainer.Data;

/// <summary>How labels read from a file are interpreted.</summary>
public enum LabelMode
{
    /// <summary>
    /// Decide from the training file: regression when every label is a number and at least one has a fractional
    /// part (0.5, 1.25); otherwise classification, where a number names the class written as its shortest text
    /// (1 and 1.0 are class "1").
    /// </summary>
    Auto,

    /// <summary>Every distinct label is a class, even fractional numbers.</summary>
    Classification,

    /// <summary>Every label must be a finite number, used as a regression target.</summary>
    Regression,
}
