using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer.Onnx;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>
/// Whole classifier graphs of the shape the exporter will write (embedding Gather or numeric input,
/// Transpose from batch-first, one recurrent op with sequence_lens, a Gemm head with Softmax or Sigmoid), held
/// to the same three peers and to a double-precision evaluation.
/// </summary>
public sealed class ClassifierGraphTests(ITestOutputHelper log)
{
    private const double EquationTolerance = 1e-5;

    [Fact]
    public void Token_classifier_with_bidirectional_lstm_and_softmax_head_matches_its_equations()
    {
        const int vocabulary = 7, embedding = 4, hidden = 5, classes = 3, batch = 3, sequence = 6;
        var random = new Random(11);
        var table = RandomTensors.Uniform(random, vocabulary * embedding, 1f);
        var W = RandomTensors.Uniform(random, 2 * 4 * hidden * embedding, 0.5f);
        var R = RandomTensors.Uniform(random, 2 * 4 * hidden * hidden, 0.5f);
        var B = RandomTensors.Uniform(random, 2 * 8 * hidden, 0.5f);
        var headWeights = RandomTensors.Uniform(random, classes * 2 * hidden, 1f);
        var headBias = RandomTensors.Uniform(random, classes, 0.5f);
        long[] tokens = [.. Enumerable.Range(0, batch * sequence).Select(_ => (long)random.Next(vocabulary))];
        int[] lengths = [6, 2, 4];

        var g = new OnnxGraphBuilder("token_classifier");
        g.AddInput("tokens", OnnxType.Int64, ["batch", "sequence"]);
        g.AddInput("lengths", OnnxType.Int32, ["batch"]);
        g.AddInitializer("embedding", [vocabulary, embedding], table);
        g.AddInitializer("W", [2, 4 * hidden, embedding], W);
        g.AddInitializer("R", [2, 4 * hidden, hidden], R);
        g.AddInitializer("B", [2, 8 * hidden], B);
        g.AddInitializer("final_shape", [2], [0L, -1L]);
        g.AddInitializer("head_weights", [classes, 2 * hidden], headWeights);
        g.AddInitializer("head_bias", [classes], headBias);
        g.AddNode("Gather", ["embedding", "tokens"], ["embedded"], OnnxAttribute.Int("axis", 0));
        g.AddNode("Transpose", ["embedded"], ["time_major"], OnnxAttribute.Ints("perm", 1, 0, 2));
        g.AddNode("LSTM", ["time_major", "W", "R", "B", "lengths"], ["", "final_states"],
            OnnxAttribute.Int("hidden_size", hidden), OnnxAttribute.String("direction", "bidirectional"));
        g.AddNode("Transpose", ["final_states"], ["batch_major_states"], OnnxAttribute.Ints("perm", 1, 0, 2));
        g.AddNode("Reshape", ["batch_major_states", "final_shape"], ["features"]);
        g.AddNode("Gemm", ["features", "head_weights", "head_bias"], ["logits"],
            OnnxAttribute.Int("transB", 1), OnnxAttribute.Float("alpha", 1f), OnnxAttribute.Float("beta", 1f));
        g.AddNode("Softmax", ["logits"], ["probabilities"], OnnxAttribute.Int("axis", -1));
        g.AddOutput("probabilities", OnnxType.Float, ["batch", classes]);
        var model = new OnnxModel(g.Build());

        var outputs = PeerRun.CheckAndRun(model, new Dictionary<string, TensorData>
        {
            ["tokens"] = TensorData.FromInt64s([batch, sequence], tokens),
            ["lengths"] = TensorData.FromInt32s([batch], lengths),
        }, log);

        // Reference: look up embeddings time-major, run the LSTM equations, concatenate both final states.
        var x = new float[sequence * batch * embedding];
        for (var t = 0; t < sequence; t++)
        {
            for (var b = 0; b < batch; b++)
                Array.Copy(table, tokens[b * sequence + t] * embedding, x, (t * batch + b) * embedding, embedding);
        }
        var states = new RecurrentReference(embedding, hidden, W, R, B).Lstm(x, sequence, batch, lengths, "bidirectional").Y_h;
        var expected = new double[batch * classes];
        for (var b = 0; b < batch; b++)
        {
            double[] features = [.. states.AsSpan(b * hidden, hidden), .. states.AsSpan((batch + b) * hidden, hidden)];
            var logits = Enumerable.Range(0, classes)
                .Select(c => headBias[c] + Enumerable.Range(0, 2 * hidden).Sum(k => headWeights[c * 2 * hidden + k] * features[k]))
                .ToArray();
            var total = logits.Sum(v => Math.Exp(v - logits.Max()));
            for (var c = 0; c < classes; c++)
                expected[b * classes + c] = Math.Exp(logits[c] - logits.Max()) / total;
        }
        Assert.Equal([batch, classes], outputs["probabilities"].Shape);
        var difference = Tolerance.AssertClose(expected, outputs["probabilities"].AsFloats(), EquationTolerance, "token classifier probabilities");
        log.WriteLine($"token classifier: max |ONNX Runtime − equations| = {difference:E2}");
    }

    [Fact]
    public void Batch_first_series_classifier_with_gru_and_sigmoid_head_matches_its_equations()
    {
        const int features = 3, hidden = 4, batch = 2, sequence = 5;
        var random = new Random(12);
        var W = RandomTensors.Uniform(random, 3 * hidden * features, 0.5f);
        var R = RandomTensors.Uniform(random, 3 * hidden * hidden, 0.5f);
        var B = RandomTensors.Uniform(random, 6 * hidden, 0.5f);
        var headWeights = RandomTensors.Uniform(random, hidden, 1f);
        var headBias = RandomTensors.Uniform(random, 1, 0.5f);
        var series = RandomTensors.Uniform(random, batch * sequence * features, 1f);
        int[] lengths = [5, 3];

        var g = new OnnxGraphBuilder("series_classifier");
        g.AddInput("series", OnnxType.Float, ["batch", "sequence", features]);
        g.AddInput("lengths", OnnxType.Int32, ["batch"]);
        g.AddInitializer("W", [1, 3 * hidden, features], W);
        g.AddInitializer("R", [1, 3 * hidden, hidden], R);
        g.AddInitializer("B", [1, 6 * hidden], B);
        g.AddInitializer("head_weights", [1, hidden], headWeights);
        g.AddInitializer("head_bias", [1], headBias);
        g.AddNode("Transpose", ["series"], ["time_major"], OnnxAttribute.Ints("perm", 1, 0, 2));
        g.AddNode("GRU", ["time_major", "W", "R", "B", "lengths"], ["", "final_state"],
            OnnxAttribute.Int("hidden_size", hidden), OnnxAttribute.Int("linear_before_reset", 1));
        g.AddNode("Constant", [], ["direction_axis"], OnnxAttribute.Tensor("value", OnnxTensor.FromInt64s("direction_axis", [1], [0])));
        g.AddNode("Squeeze", ["final_state", "direction_axis"], ["state"]);
        g.AddNode("Gemm", ["state", "head_weights", "head_bias"], ["logit"], OnnxAttribute.Int("transB", 1));
        g.AddNode("Sigmoid", ["logit"], ["probability"]);
        g.AddOutput("probability", OnnxType.Float, ["batch", 1]);
        var model = new OnnxModel(g.Build());

        var outputs = PeerRun.CheckAndRun(model, new Dictionary<string, TensorData>
        {
            ["series"] = TensorData.FromFloats([batch, sequence, features], series),
            ["lengths"] = TensorData.FromInt32s([batch], lengths),
        }, log);

        var x = new float[sequence * batch * features];
        for (var t = 0; t < sequence; t++)
        {
            for (var b = 0; b < batch; b++)
                Array.Copy(series, (b * sequence + t) * features, x, (t * batch + b) * features, features);
        }
        var states = new RecurrentReference(features, hidden, W, R, B).Gru(x, sequence, batch, lengths, "forward", linearBeforeReset: true).Y_h;
        var expected = Enumerable.Range(0, batch)
            .Select(b => 1 / (1 + Math.Exp(-(headBias[0] + Enumerable.Range(0, hidden).Sum(k => headWeights[k] * states[b * hidden + k])))))
            .ToArray();
        Assert.Equal([batch, 1], outputs["probability"].Shape);
        var difference = Tolerance.AssertClose(expected, outputs["probability"].AsFloats(), EquationTolerance, "series classifier probability");
        log.WriteLine($"series classifier: max |ONNX Runtime − equations| = {difference:E2}");
    }
}
