namespace Recurrent.Trainer.Data.Files;

/// <summary>What a file read as a stream has shown so far: the kind, step width and labelling of its sequences.</summary>
internal sealed class RawFileShape
{
    /// <summary>Token or numeric steps; null until the first sequence.</summary>
    public InputKind? Kind { get; set; }

    /// <summary>Floats per step for numeric sequences; 0 for tokens.</summary>
    public int Width { get; set; }

    /// <summary>Whether the file labels every step rather than every sequence.</summary>
    public bool PerStep { get; set; }
}
