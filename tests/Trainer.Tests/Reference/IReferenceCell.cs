namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// One step of a cell. The state is (h, c); cells without a memory carry c = 0 through untouched, which keeps the
/// network code the same for all three. Backward recomputes the gates from the step's inputs instead of caching
/// them, so each cell's forward and backward formulas sit next to each other.
/// </summary>
internal interface IReferenceCell
{
    /// <summary>Computes (h_t, c_t) from x_t and the previous state.</summary>
    (double[] H, double[] C) Forward(DirectionWeights w, double[] x, double[] hPrev, double[] cPrev);

    /// <summary>
    /// Given dL/dh_t and dL/dc_t, accumulates the parameter gradients into <paramref name="gradient"/> and dL/dx_t
    /// into <paramref name="dx"/>, and returns dL/dh_{t-1}, dL/dc_{t-1}.
    /// </summary>
    (double[] DhPrev, double[] DcPrev) Backward(
        DirectionWeights w, DirectionWeights gradient, double[] x, double[] hPrev, double[] cPrev, double[] dh, double[] dc, double[] dx);
}
