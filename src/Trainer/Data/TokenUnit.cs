namespace Recurrent.Trainer.Data;

/// <summary>What one token of a token dataset stands for, so generated tokens can be written back as text.</summary>
public enum TokenUnit
{
    /// <summary>A word (or any token given in a file): generated text joins tokens with a space.</summary>
    Word,

    /// <summary>One character (a Unicode scalar value): generated text joins tokens with nothing.</summary>
    Character,
}
