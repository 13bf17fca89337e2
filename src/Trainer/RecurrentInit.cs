namespace Microsoft.ML;

/// <summary>How the recurrent weights W_hh start.</summary>
public enum RecurrentInit
{
    /// <summary>Glorot uniform, per gate block.</summary>
    Xavier,

    /// <summary>A random orthogonal matrix per gate block (all singular values 1).</summary>
    Orthogonal,

    /// <summary>The identity per gate block (IRNN when paired with ReLU).</summary>
    Identity,

    /// <summary>
    /// A Gaussian matrix per gate block scaled to the spectral radius
    /// <see cref="Recurrent.Trainer.SequenceModelOptions.SpectralRadius"/>: the reservoir of an echo state network.
    /// </summary>
    EchoState,
}
