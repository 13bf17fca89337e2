namespace Recurrent.Trainer.Data;

/// <summary>What one step of a sequence is.</summary>
public enum InputKind
{
    /// <summary>A token id, looked up in a trainable embedding.</summary>
    Tokens,

    /// <summary>A vector of floats.</summary>
    Numeric,
}
