namespace Recurrent.Trainer.Tests.Reference;

/// <summary>What <see cref="ReferenceModel.Gradients"/> returns.</summary>
/// <param name="Loss">The batch-mean loss.</param>
/// <param name="Gradients">dLoss/dθ for every parameter name, same shapes as the parameters.</param>
/// <param name="AdjointNorms">One entry per sample, in batch order.</param>
public sealed record ReferenceGradients(double Loss, Dictionary<string, double[]> Gradients, IReadOnlyList<ReferenceAdjointNorms> AdjointNorms);

/// <summary>
/// g_t = ‖∂L_b/∂s_t‖₂ over the first layer's forward direction for one sample (L_b is that sample's own loss, not
/// divided by the batch size). Norms[i] belongs to step t = FirstStep + i; the steps are the truncation window, or
/// every valid step under full BPTT.
/// </summary>
public sealed record ReferenceAdjointNorms(int FirstStep, double[] Norms)
{
    /// <summary>
    /// Per (layer, direction), that path's own g_t = ‖∂L_b/∂s_t‖ in time order from FirstStep (a reverse direction's
    /// loss enters at its first entry); skip-update networks report layer 0's forward path only. Set on the record
    /// <see cref="ReferenceNetwork.Backward"/> returns.
    /// </summary>
    public IReadOnlyDictionary<(int Layer, int Direction), ReferenceAdjointNorms> Paths { get; init; } =
        new Dictionary<(int Layer, int Direction), ReferenceAdjointNorms>();
}

/// <summary>
/// Adds <paramref name="Amount"/> to component <paramref name="Index"/> of the state s_t of the first layer's forward
/// direction at step <paramref name="Step"/> of sample <paramref name="Sample"/>: Index &lt; H is h_t (seen by step t+1
/// and by everything reading the layer output), Index ≥ H is c_t (seen only by step t+1). Finite differences of
/// the loss under this offset give the adjoint a_t.
/// </summary>
public sealed record ReferenceStateOffset(int Sample, int Step, int Index, double Amount);
