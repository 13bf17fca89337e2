namespace Microsoft.ML;

/// <summary>The optimizer.</summary>
public enum RecurrentOptimizerKind
{
    /// <summary>w ← w − η ∂L/∂w.</summary>
    Sgd,

    /// <summary>Heavy-ball momentum: v ← μ v + g; w ← w − η v.</summary>
    Momentum,

    /// <summary>Adam with bias correction (Kingma and Ba).</summary>
    Adam,
}
