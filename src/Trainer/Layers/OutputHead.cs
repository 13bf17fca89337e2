using System.Numerics.Tensors;
using Recurrent.Trainer.Kernels;

namespace Recurrent.Trainer.Layers;

/// <summary>
/// The head: z = W u + b, then the loss of its kind. Many-to-one (here) reads each sequence's final state u and
/// averages over the batch; per step (<c>OutputHead.PerStep.cs</c>) reads every step's output and averages over the
/// labelled steps. Losses are computed in double from the logits, so saturated sigmoids and softmaxes stay finite.
/// </summary>
internal sealed partial class OutputHead
{
    public OutputHead(HeadKind kind, int inputSize, int outputs, bool useBias)
    {
        Kind = kind;
        InputSize = inputSize;
        Outputs = outputs;
        Weights = new Parameter("head.W", "head", outputs, inputSize);
        if (useBias)
            Bias = new Parameter("head.b", "head", outputs);
    }

    public HeadKind Kind { get; }

    public int InputSize { get; }

    public int Outputs { get; }

    public Parameter Weights { get; }

    public Parameter? Bias { get; }

    public IEnumerable<Parameter> Parameters => new[] { Weights, Bias }.OfType<Parameter>();

    /// <summary>logits [B, Outputs] = input [B, InputSize] · Wᵀ + b.</summary>
    public void Forward(ReadOnlySpan<float> input, int batch, Span<float> logits)
    {
        for (var b = 0; b < batch; b++)
        {
            var row = logits.Slice(b * Outputs, Outputs);
            for (var o = 0; o < Outputs; o++)
            {
                var w = Weights.Value.AsSpan(o * InputSize, InputSize);
                row[o] = (Bias?.Value[o] ?? 0f) + TensorPrimitives.Dot(w, input.Slice(b * InputSize, InputSize));
            }
        }
    }

    /// <summary>
    /// Mean loss over the batch; when <paramref name="logitGradient"/> is not empty, also ∂(mean loss)/∂logits.
    /// </summary>
    public double Loss(ReadOnlySpan<float> logits, int batch, int[] classIndices, float[] targets,
        Span<float> logitGradient)
    {
        var total = 0.0;
        var wantGradient = !logitGradient.IsEmpty;
        for (var b = 0; b < batch; b++)
        {
            var z = logits.Slice(b * Outputs, Outputs);
            var dz = wantGradient ? logitGradient.Slice(b * Outputs, Outputs) : default;
            total += Kind switch
            {
                HeadKind.Binary => BinaryCrossEntropy(z[0], classIndices[b], dz, batch),
                HeadKind.MultiClass => SoftmaxCrossEntropy(z, classIndices[b], dz, batch),
                _ => SquaredError(z[0], targets[b], dz, batch),
            };
        }
        return total / batch;
    }

    // −y log σ(z) − (1 − y) log(1 − σ(z)) = max(z, 0) − z y + log(1 + e^{−|z|}).
    private static double BinaryCrossEntropy(double z, int label, Span<float> dz, double batch)
    {
        double y = label;
        if (!dz.IsEmpty)
            dz[0] = (float)((Sigmoid(z) - y) / batch);
        return Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));
    }

    private static double SoftmaxCrossEntropy(ReadOnlySpan<float> z, int label, Span<float> dz, double batch)
    {
        double max = double.NegativeInfinity;
        foreach (var v in z)
            max = Math.Max(max, v);
        var sum = 0.0;
        foreach (var v in z)
            sum += Math.Exp(v - max);
        var logSum = max + Math.Log(sum);
        if (!dz.IsEmpty)
        {
            for (var c = 0; c < z.Length; c++)
                dz[c] = (float)((Math.Exp(z[c] - logSum) - (c == label ? 1 : 0)) / batch);
        }
        return logSum - z[label];
    }

    private static double SquaredError(double z, double target, Span<float> dz, double batch)
    {
        var e = z - target;
        if (!dz.IsEmpty)
            dz[0] = (float)(2 * e / batch);
        return e * e;
    }

    public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>Writes the head's gradients and ∂L/∂input [B, InputSize].</summary>
    public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> logitGradient, int batch, Span<float> inputGradient)
    {
        // dW = dzᵀ u, db = Σ_b dz, du = dz W.
        var dz = MatrixView.RowMajor(logitGradient, batch, Outputs);
        Gemm.Multiply(dz.Transposed, MatrixView.RowMajor(input, batch, InputSize),
            new MatrixSpan(Weights.Gradient, Outputs, InputSize), accumulate: false);
        if (Bias is not null)
        {
            Array.Clear(Bias.Gradient);
            for (var b = 0; b < batch; b++)
            {
                for (var o = 0; o < Outputs; o++)
                    Bias.Gradient[o] += logitGradient[b * Outputs + o];
            }
        }
        Gemm.Multiply(dz, MatrixView.RowMajor(Weights.Value, Outputs, InputSize),
            new MatrixSpan(inputGradient, batch, InputSize), accumulate: false);
    }
}
