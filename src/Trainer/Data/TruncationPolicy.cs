namespace Recurrent.Trainer.Data;

/// <summary>Which steps a sequence longer than the maximum length keeps.</summary>
public enum TruncationPolicy
{
    /// <summary>Keep the first steps and drop the end.</summary>
    KeepFirst,

    /// <summary>Keep the last steps and drop the beginning (the steps nearest the prediction).</summary>
    KeepLast,
}
