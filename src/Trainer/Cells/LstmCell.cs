using System.Numerics;
using System.Numerics.Tensors;

namespace Recurrent.Trainer.Cells;

/// <summary>
/// LSTM with the ONNX gate order i, o, f, c (no peepholes): c_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t).
/// The additive cell path ∂c_t/∂c_{t-1} = diag(f) is what lets gradients survive many steps.
/// </summary>
internal sealed class LstmCell : IRecurrentCell
{
    public int GateCount => 4;

    public void Forward(ref CellStep s)
    {
        int hidden = s.Hidden, width = 4 * hidden;
        RecurrentProduct.Forward(s.PreviousState, s.Rows, hidden, s.RecurrentWeightsTransposed, width,
            s.RecurrentBias, s.RecurrentProjection, 0, width);
        var z = s.Gates[..(s.Rows * width)];
        TensorPrimitives.Add(s.InputProjection[..z.Length], s.RecurrentProjection[..z.Length], z);
        for (var r = 0; r < s.Rows; r++)
        {
            var gates = z.Slice(r * width, width);
            TensorPrimitives.Sigmoid(gates[..(3 * hidden)], gates[..(3 * hidden)]);
            TensorPrimitives.Tanh(gates[(3 * hidden)..], gates[(3 * hidden)..]);
            var i = gates[..hidden];
            var o = gates.Slice(hidden, hidden);
            var f = gates.Slice(2 * hidden, hidden);
            var g = gates.Slice(3 * hidden, hidden);
            var c = s.Cell.Slice(r * hidden, hidden);
            var tanhC = s.Extra.Slice(r * hidden, hidden);
            TensorPrimitives.Multiply(i, g, c);
            TensorPrimitives.FusedMultiplyAdd(f, s.PreviousCell.Slice(r * hidden, hidden), c, c);
            TensorPrimitives.Tanh(c, tanhC);
            TensorPrimitives.Multiply(o, tanhC, s.State.Slice(r * hidden, hidden));
        }
    }

    public void Backward(ref CellStep s)
    {
        int hidden = s.Hidden, width = 4 * hidden;
        for (var r = 0; r < s.Rows; r++)
        {
            var gates = s.Gates.Slice(r * width, width);
            var dz = s.InputProjectionGradient.Slice(r * width, width);
            BackwardRow(gates, s.Extra.Slice(r * hidden, hidden), s.PreviousCell.Slice(r * hidden, hidden),
                s.StateGradient.Slice(r * hidden, hidden), s.CellGradient.Slice(r * hidden, hidden), dz, hidden);
        }
        RecurrentProduct.Backward(s.InputProjectionGradient, s.Rows, hidden, width, s.RecurrentWeights,
            s.PreviousStateGradient, 0, width, accumulate: false);
    }

    // One fused pass per row: dc = dc_next + dh ⊙ o ⊙ (1 − tanh²c); the four gate pre-activation gradients;
    // and dc_{t-1} = dc ⊙ f written back over the incoming cell gradient.
    private static void BackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> tanhC, ReadOnlySpan<float> cPrev,
        ReadOnlySpan<float> dh, Span<float> dcCarry, Span<float> dz, int hidden)
    {
        var i = gates[..hidden];
        var o = gates.Slice(hidden, hidden);
        var f = gates.Slice(2 * hidden, hidden);
        var g = gates.Slice(3 * hidden, hidden);
        var dzi = dz[..hidden];
        var dzo = dz.Slice(hidden, hidden);
        var dzf = dz.Slice(2 * hidden, hidden);
        var dzc = dz.Slice(3 * hidden, hidden);
        var j = 0;
        var one = Vector<float>.One;
        for (; j + Vector<float>.Count <= hidden; j += Vector<float>.Count)
        {
            var vi = new Vector<float>(i[j..]);
            var vo = new Vector<float>(o[j..]);
            var vf = new Vector<float>(f[j..]);
            var vg = new Vector<float>(g[j..]);
            var tc = new Vector<float>(tanhC[j..]);
            var vdh = new Vector<float>(dh[j..]);
            var dc = new Vector<float>(dcCarry[j..]) + vdh * vo * (one - tc * tc);
            (vdh * tc * vo * (one - vo)).CopyTo(dzo[j..]);
            (dc * vg * vi * (one - vi)).CopyTo(dzi[j..]);
            (dc * new Vector<float>(cPrev[j..]) * vf * (one - vf)).CopyTo(dzf[j..]);
            (dc * vi * (one - vg * vg)).CopyTo(dzc[j..]);
            (dc * vf).CopyTo(dcCarry[j..]);
        }
        for (; j < hidden; j++)
        {
            var dc = dcCarry[j] + dh[j] * o[j] * (1f - tanhC[j] * tanhC[j]);
            dzo[j] = dh[j] * tanhC[j] * o[j] * (1f - o[j]);
            dzi[j] = dc * g[j] * i[j] * (1f - i[j]);
            dzf[j] = dc * cPrev[j] * f[j] * (1f - f[j]);
            dzc[j] = dc * i[j] * (1f - g[j] * g[j]);
            dcCarry[j] = dc * f[j];
        }
    }
}
