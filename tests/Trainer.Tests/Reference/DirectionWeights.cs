namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// The four tensors of one layer and direction (W_xh [G·H, in], W_hh [G·H, H], b_xh, b_hh [G·H]), read as gate
/// blocks of H rows. The same type holds their gradients, so a backward step accumulates into a twin instance.
/// </summary>
internal sealed class DirectionWeights(int hidden, int inputSize, double[] w_xh, double[] w_hh, double[]? b_xh, double[]? b_hh)
{
    public int Hidden { get; } = hidden;

    public int InputSize { get; } = inputSize;

    public double[] W_xh { get; } = w_xh;

    public double[] W_hh { get; } = w_hh;

    /// <summary>Null when the network has no biases.</summary>
    public double[]? B_xh { get; } = b_xh;

    /// <summary>Null when the network has no biases.</summary>
    public double[]? B_hh { get; } = b_hh;

    /// <summary>Wk x + bWk for gate block k.</summary>
    public double[] InputPart(int block, double[] x) => BlockTimes(W_xh, B_xh, InputSize, block, x);

    /// <summary>Rk h + bRk for gate block k.</summary>
    public double[] RecurrentPart(int block, double[] h) => BlockTimes(W_hh, B_hh, Hidden, block, h);

    /// <summary>Wk x + Rk h + bWk + bRk: the whole pre-activation of a gate.</summary>
    public double[] PreActivation(int block, double[] x, double[] h) =>
        ReferenceMath.Add(InputPart(block, x), RecurrentPart(block, h));

    /// <summary>
    /// Backward of <see cref="InputPart"/>: accumulates dL/dWk, dL/dbWk into <paramref name="gradient"/> and
    /// dL/dx into <paramref name="dx"/>, given dL/d(InputPart) = <paramref name="dPart"/>.
    /// </summary>
    public void InputPartBackward(DirectionWeights gradient, int block, double[] x, double[] dPart, double[] dx) =>
        BlockTimesBackward(W_xh, gradient.W_xh, gradient.B_xh, InputSize, block, x, dPart, dx);

    /// <summary>Backward of <see cref="RecurrentPart"/>, accumulating into dL/dRk, dL/dbRk and <paramref name="dh"/>.</summary>
    public void RecurrentPartBackward(DirectionWeights gradient, int block, double[] h, double[] dPart, double[] dh) =>
        BlockTimesBackward(W_hh, gradient.W_hh, gradient.B_hh, Hidden, block, h, dPart, dh);

    /// <summary>Backward of <see cref="PreActivation"/>.</summary>
    public void PreActivationBackward(DirectionWeights gradient, int block, double[] x, double[] h, double[] dPre, double[] dx, double[] dh)
    {
        InputPartBackward(gradient, block, x, dPre, dx);
        RecurrentPartBackward(gradient, block, h, dPre, dh);
    }

    private double[] BlockTimes(double[] matrix, double[]? bias, int columns, int block, double[] v)
    {
        var y = new double[Hidden];
        for (int i = 0; i < Hidden; i++)
        {
            int row = block * Hidden + i;
            double sum = bias is null ? 0 : bias[row];
            for (int j = 0; j < columns; j++)
            {
                sum += matrix[row * columns + j] * v[j];
            }

            y[i] = sum;
        }

        return y;
    }

    private void BlockTimesBackward(double[] matrix, double[] dMatrix, double[]? dBias, int columns, int block, double[] v, double[] dy, double[] dv)
    {
        for (int i = 0; i < Hidden; i++)
        {
            int row = block * Hidden + i;
            if (dBias is not null)
            {
                dBias[row] += dy[i];
            }

            for (int j = 0; j < columns; j++)
            {
                dMatrix[row * columns + j] += dy[i] * v[j];
                dv[j] += matrix[row * columns + j] * dy[i];
            }
        }
    }
}
