namespace Recurrent.Integration.Tests.Support;

/// <summary>Outputs of a recurrent operator in ONNX layout 0, in double precision.</summary>
/// <param name="Y">[sequence, directions, batch, hidden]; zero past each sequence's length.</param>
/// <param name="Y_h">[directions, batch, hidden]: the state after the last valid step.</param>
/// <param name="Y_c">[directions, batch, hidden] for LSTM, else null.</param>
internal sealed record RecurrentOutputs(double[] Y, double[] Y_h, double[]? Y_c);

/// <summary>
/// The RNN, LSTM and GRU equations of reference/onnx.md written out plainly in double precision, as the
/// yardstick ONNX Runtime's float results are held to. Weights use ONNX's layouts: W [nd, G·H, in],
/// R [nd, G·H, H], B [nd, 2·G·H] with the input biases first.
/// </summary>
internal sealed class RecurrentReference(int inputSize, int hiddenSize, float[] W, float[] R, float[] B)
{
    private int H => hiddenSize;

    /// <summary>LSTM with gate blocks i, o, f, c; no peepholes, zero initial state.</summary>
    public RecurrentOutputs Lstm(float[] x, int sequence, int batch, int[] lengths, string direction) =>
        Scan(x, sequence, batch, lengths, direction, hasCell: true, (d, input, h, c) =>
        {
            var (newH, newC) = (new double[H], new double[H]);
            for (var j = 0; j < H; j++)
            {
                var i = Sigmoid(Gate(d, 4, 0, j, input, h));
                var o = Sigmoid(Gate(d, 4, 1, j, input, h));
                var f = Sigmoid(Gate(d, 4, 2, j, input, h));
                var candidate = Math.Tanh(Gate(d, 4, 3, j, input, h));
                newC[j] = f * c[j] + i * candidate;
                newH[j] = o * Math.Tanh(newC[j]);
            }
            return (newH, newC);
        });

    /// <summary>GRU with gate blocks z, r, h; zero initial state.</summary>
    public RecurrentOutputs Gru(float[] x, int sequence, int batch, int[] lengths, string direction, bool linearBeforeReset) =>
        Scan(x, sequence, batch, lengths, direction, hasCell: false, (d, input, h, _) =>
        {
            var newH = new double[H];
            for (var j = 0; j < H; j++)
            {
                var z = Sigmoid(Gate(d, 3, 0, j, input, h));
                var r = Sigmoid(Gate(d, 3, 1, j, input, h));
                double recurrent;
                if (linearBeforeReset)
                {
                    recurrent = r * (Dot(R, Row(d, 3, 2, j, H), h) + Bias(d, 3, 2, j, recurrentBias: true));
                }
                else
                {
                    recurrent = ResetProduct(d, j, h, input);
                }
                var candidate = Math.Tanh(Dot(W, Row(d, 3, 2, j, inputSize), input) + recurrent + Bias(d, 3, 2, j, recurrentBias: false));
                newH[j] = (1 - z) * candidate + z * h[j];
            }
            return (newH, null);
        });

    /// <summary>Elman RNN with the given activation per direction; zero initial state.</summary>
    public RecurrentOutputs Rnn(float[] x, int sequence, int batch, int[] lengths, string direction, Func<double, double>[] activations) =>
        Scan(x, sequence, batch, lengths, direction, hasCell: false, (d, input, h, _) =>
        {
            var newH = new double[H];
            for (var j = 0; j < H; j++)
                newH[j] = activations[d](Gate(d, 1, 0, j, input, h));
            return (newH, null);
        });

    // Without linear_before_reset, r is a vector: (r ⊙ h)·Rhᵀ needs every unit's r, so it is computed here.
    private double ResetProduct(int d, int j, double[] h, double[] input)
    {
        double sum = Bias(d, 3, 2, j, recurrentBias: true);
        var rowStart = Row(d, 3, 2, j, H);
        for (var k = 0; k < H; k++)
        {
            var r = Sigmoid(Gate(d, 3, 1, k, input, h));
            sum += R[rowStart + k] * r * h[k];
        }
        return sum;
    }

    private delegate (double[] H, double[]? C) Step(int direction, double[] input, double[] h, double[] c);

    private RecurrentOutputs Scan(float[] x, int sequence, int batch, int[] lengths, string direction, bool hasCell, Step step)
    {
        var directions = direction == "bidirectional" ? 2 : 1;
        var y = new double[sequence * directions * batch * H];
        var yH = new double[directions * batch * H];
        var yC = new double[directions * batch * H];
        for (var d = 0; d < directions; d++)
        {
            var reverse = direction == "reverse" || d == 1;
            for (var b = 0; b < batch; b++)
            {
                var h = new double[H];
                var c = new double[H];
                for (var s = 0; s < lengths[b]; s++)
                {
                    var t = reverse ? lengths[b] - 1 - s : s;
                    var input = new double[inputSize];
                    for (var k = 0; k < inputSize; k++)
                        input[k] = x[(t * batch + b) * inputSize + k];
                    var (newH, newC) = step(d, input, h, c);
                    h = newH;
                    c = newC ?? c;
                    Array.Copy(h, 0, y, ((t * directions + d) * batch + b) * H, H);
                }
                Array.Copy(h, 0, yH, (d * batch + b) * H, H);
                Array.Copy(c, 0, yC, (d * batch + b) * H, H);
            }
        }
        return new RecurrentOutputs(y, yH, hasCell ? yC : null);
    }

    private double Gate(int d, int gates, int gate, int j, double[] input, double[] h) =>
        Dot(W, Row(d, gates, gate, j, inputSize), input) + Dot(R, Row(d, gates, gate, j, H), h)
        + Bias(d, gates, gate, j, recurrentBias: false) + Bias(d, gates, gate, j, recurrentBias: true);

    private int Row(int d, int gates, int gate, int j, int width) => ((d * gates + gate) * H + j) * width;

    private double Bias(int d, int gates, int gate, int j, bool recurrentBias) =>
        B[d * 2 * gates * H + (recurrentBias ? gates * H : 0) + gate * H + j];

    private static double Dot(float[] matrix, int start, double[] vector)
    {
        double sum = 0;
        for (var k = 0; k < vector.Length; k++)
            sum += matrix[start + k] * vector[k];
        return sum;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
