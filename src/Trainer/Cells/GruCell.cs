using System.Numerics;
using System.Numerics.Tensors;

namespace Recurrent.Trainer.Cells;

/// <summary>
/// GRU with the ONNX gate order z, r, h: h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}. With linear_before_reset the reset gate
/// scales W_hh h + b (PyTorch's form); without it the reset gate scales h_{t-1} before the product.
/// </summary>
internal sealed class GruCell(bool linearBeforeReset) : IRecurrentCell
{
    public int GateCount => 3;

    public bool LinearBeforeReset { get; } = linearBeforeReset;

    // Gates keeps [z, r, n] after their non-linearities; Extra keeps W_hh,h h_{t-1} + b_hh,h (linear before
    // reset) or r ⊙ h_{t-1} (reset before the product), whichever backward needs.
    public void Forward(ref CellStep s)
    {
        int hidden = s.Hidden, width = 3 * hidden, n = s.Rows * width;
        var hp = s.RecurrentProjection;
        var firstBlocks = LinearBeforeReset ? width : 2 * hidden;
        RecurrentProduct.Forward(s.PreviousState, s.Rows, s.RecurrentWeightsTransposed, s.RecurrentBias, hp, 0,
            firstBlocks, s.Descending);
        var gates = s.Gates[..n];
        for (var r = 0; r < s.Rows; r++)
        {
            var zr = gates.Slice(r * width, 2 * hidden);
            TensorPrimitives.Add(s.InputProjection.Slice(r * width, 2 * hidden), hp.Slice(r * width, 2 * hidden), zr);
            TensorPrimitives.Sigmoid(zr, zr);
        }
        if (!LinearBeforeReset)
        {
            for (var r = 0; r < s.Rows; r++)
                TensorPrimitives.Multiply(gates.Slice(r * width + hidden, hidden),
                    s.PreviousState.Slice(r * hidden, hidden), s.Extra.Slice(r * hidden, hidden));
            RecurrentProduct.Forward(s.Extra, s.Rows, s.RecurrentWeightsTransposed, s.RecurrentBias, hp,
                2 * hidden, hidden, s.Descending);
        }
        for (var r = 0; r < s.Rows; r++)
        {
            var row = gates.Slice(r * width, width);
            var z = row[..hidden];
            var reset = row.Slice(hidden, hidden);
            var candidate = row.Slice(2 * hidden, hidden);
            var hh = hp.Slice(r * width + 2 * hidden, hidden);
            if (LinearBeforeReset)
            {
                hh.CopyTo(s.Extra.Slice(r * hidden, hidden));
                TensorPrimitives.FusedMultiplyAdd(reset, hh, s.InputProjection.Slice(r * width + 2 * hidden, hidden), candidate);
            }
            else
            {
                TensorPrimitives.Add(s.InputProjection.Slice(r * width + 2 * hidden, hidden), hh, candidate);
            }
            TensorPrimitives.Tanh(candidate, candidate);
            // h = n + z ⊙ (h_{t-1} − n)
            var h = s.State.Slice(r * hidden, hidden);
            TensorPrimitives.Subtract(s.PreviousState.Slice(r * hidden, hidden), candidate, h);
            TensorPrimitives.FusedMultiplyAdd(z, h, candidate, h);
        }
    }

    public void Backward(ref CellStep s)
    {
        int hidden = s.Hidden, width = 3 * hidden;
        for (var r = 0; r < s.Rows; r++)
        {
            BackwardRow(s.Gates.Slice(r * width, width), s.Extra.Slice(r * hidden, hidden),
                s.PreviousState.Slice(r * hidden, hidden), s.StateGradient.Slice(r * hidden, hidden),
                s.InputProjectionGradient.Slice(r * width, width), s.RecurrentProjectionGradient.Slice(r * width, width),
                hidden);
        }
        var dh = s.StateGradient[..(s.Rows * hidden)];
        if (LinearBeforeReset)
        {
            RecurrentProduct.Backward(s.RecurrentProjectionGradient, s.Rows, hidden, width, s.RecurrentWeights,
                s.PreviousStateGradient, 0, width, accumulate: false);
        }
        else
        {
            // ∂L/∂(r ⊙ h_{t-1}) = dn_pre · W_hh,h, which feeds both the reset gate and h_{t-1}.
            var dRh = s.Scratch[..dh.Length];
            RecurrentProduct.Backward(s.RecurrentProjectionGradient, s.Rows, hidden, width, s.RecurrentWeights,
                dRh, 2 * hidden, hidden, accumulate: false);
            for (var r = 0; r < s.Rows; r++)
            {
                var row = s.Gates.Slice(r * width, width);
                var reset = row.Slice(hidden, hidden);
                var dRow = dRh.Slice(r * hidden, hidden);
                var drPre = s.InputProjectionGradient.Slice(r * width + hidden, hidden);
                // dr = d(rh) ⊙ h_{t-1}, then through the sigmoid.
                TensorPrimitives.Multiply(dRow, s.PreviousState.Slice(r * hidden, hidden), drPre);
                GateMath.TimesSigmoidDerivative(drPre, reset, drPre);
                drPre.CopyTo(s.RecurrentProjectionGradient.Slice(r * width + hidden, hidden));
            }
            RecurrentProduct.Backward(s.RecurrentProjectionGradient, s.Rows, hidden, width, s.RecurrentWeights,
                s.PreviousStateGradient, 0, 2 * hidden, accumulate: false);
            for (var r = 0; r < s.Rows; r++)
                TensorPrimitives.FusedMultiplyAdd(dRh.Slice(r * hidden, hidden),
                    s.Gates.Slice(r * width + hidden, hidden), s.PreviousStateGradient.Slice(r * hidden, hidden),
                    s.PreviousStateGradient.Slice(r * hidden, hidden));
        }
        // The direct path h_t = … + z ⊙ h_{t-1}.
        for (var r = 0; r < s.Rows; r++)
            TensorPrimitives.FusedMultiplyAdd(dh.Slice(r * hidden, hidden), s.Gates.Slice(r * width, hidden),
                s.PreviousStateGradient.Slice(r * hidden, hidden), s.PreviousStateGradient.Slice(r * hidden, hidden));
    }

    // Per row: dn = dh ⊙ (1 − z), dz = dh ⊙ (h_{t-1} − n), dn_pre = dn ⊙ (1 − n²). With linear before reset also
    // dr = dn_pre ⊙ hh and the recurrent candidate gradient dn_pre ⊙ r; otherwise the reset gate waits for
    // ∂L/∂(r ⊙ h_{t-1}), which needs the product with W_hh,h.
    private void BackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> extra, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> dInput, Span<float> dRecurrent, int hidden)
    {
        var z = gates[..hidden];
        var reset = gates.Slice(hidden, hidden);
        var candidate = gates.Slice(2 * hidden, hidden);
        var dzPre = dInput[..hidden];
        var drPre = dInput.Slice(hidden, hidden);
        var dnPre = dInput.Slice(2 * hidden, hidden);
        var dhRecurrent = dRecurrent.Slice(2 * hidden, hidden);
        var one = Vector<float>.One;
        var j = 0;
        for (; j + Vector<float>.Count <= hidden; j += Vector<float>.Count)
        {
            var vz = new Vector<float>(z[j..]);
            var vr = new Vector<float>(reset[j..]);
            var vn = new Vector<float>(candidate[j..]);
            var vdh = new Vector<float>(dh[j..]);
            var dn = vdh * (one - vz) * (one - vn * vn);
            dn.CopyTo(dnPre[j..]);
            (vdh * (new Vector<float>(hPrev[j..]) - vn) * vz * (one - vz)).CopyTo(dzPre[j..]);
            if (LinearBeforeReset)
            {
                (dn * new Vector<float>(extra[j..]) * vr * (one - vr)).CopyTo(drPre[j..]);
                (dn * vr).CopyTo(dhRecurrent[j..]);
            }
            else
            {
                dn.CopyTo(dhRecurrent[j..]);
            }
        }
        for (; j < hidden; j++)
        {
            var dn = dh[j] * (1f - z[j]) * (1f - candidate[j] * candidate[j]);
            dnPre[j] = dn;
            dzPre[j] = dh[j] * (hPrev[j] - candidate[j]) * z[j] * (1f - z[j]);
            if (LinearBeforeReset)
            {
                drPre[j] = dn * extra[j] * reset[j] * (1f - reset[j]);
                dhRecurrent[j] = dn * reset[j];
            }
            else
            {
                dhRecurrent[j] = dn;
            }
        }
        dzPre.CopyTo(dRecurrent[..hidden]);
        if (LinearBeforeReset)
            drPre.CopyTo(dRecurrent.Slice(hidden, hidden));
    }
}
