using Microsoft.ML;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>
/// An encoder–decoder as two ONNX graphs: in ONNX Runtime the encoder gives the engine's bridged state on sources of
/// mixed lengths, the decoder step fed the true target gives the engine's teacher-forced logits at every step, and
/// greedy decoding with the two graphs writes what the engine writes; all within 1e-5, and the onnx checker accepts
/// both files.
/// </summary>
public sealed class EncoderDecoderExportTests(ITestOutputHelper log)
{
    private const double Agreement = 1e-5;

    [Theory]
    [InlineData(RecurrentCellKind.Lstm, 2)]
    [InlineData(RecurrentCellKind.Gru, 1)]
    [InlineData(RecurrentCellKind.Rnn, 2)]
    public void Onnx_runtime_encodes_and_decodes_as_the_managed_engine(RecurrentCellKind cell, int layers)
    {
        var (train, _, test) = PairDataset.LoadTask("reverse:6", seed: 3, count: 200, evaluationCount: 12);
        var model = new EncoderDecoderTrainer(new SequenceModelOptions
        {
            Cell = cell,
            Layers = layers,
            HiddenSize = 20,
            EmbeddingSize = 6,
            Epochs = 2,
            BatchSize = 16,
            LearningRate = 0.01f,
            Seed = 5,
            Threads = 1,
        }).Fit(train, null);
        using var directory = new TemporaryDirectory();
        var (encoderPath, decoderPath) = model.ExportOnnx(directory.File("reverse.onnx"));
        Assert.Equal(directory.File("reverse.encoder.onnx"), encoderPath);
        // The checker (full_check) accepts both files; each declares opset 17 only.
        foreach (var path in new[] { encoderPath, decoderPath })
            Assert.Equal(17, (int)OnnxChecker.CheckAndDescribe(path)["opsets"]![0]!["version"]!);

        var pairs = test.Pairs;
        int size = pairs.Count, hidden = 20, steps = pairs.Max(p => p.Source.Length);
        Assert.True(pairs.Select(p => p.Source.Length).Distinct().Count() > 2, "sources of mixed lengths");
        var batch = new PairBatch(model.Network.Shape.Boundary);
        batch.Fill(pairs, Enumerable.Range(0, size).ToArray());
        model.Network.Forward(batch.Source, batch.Target, threads: 1);
        var managedLogits = model.Network.Logits.ToArray();
        var lstm = cell == RecurrentCellKind.Lstm;

        using var encoder = OrtSessions.Open(encoderPath);
        var ids = new long[size * steps];
        for (var b = 0; b < size; b++)
        {
            for (var t = 0; t < pairs[b].Source.Length; t++)
                ids[b * steps + t] = pairs[b].Source[t];
        }
        var encoded = encoder.Run(new Dictionary<string, TensorData>
        {
            ["input"] = TensorData.FromInt64s([size, steps], ids),
            ["sequence_lens"] = TensorData.FromInt32s([size], pairs.Select(p => p.Source.Length).ToArray()),
        });
        var largest = 0.0;
        for (var l = 0; l < layers; l++)
        {
            var (state, cellState) = model.Network.InitialState(l);
            largest = Math.Max(largest, MaxDifference(state, encoded[StepOnnxExport.StateInput].AsFloats().AsSpan(l * size * hidden, size * hidden)));
            if (lstm)
                largest = Math.Max(largest, MaxDifference(cellState!, encoded[StepOnnxExport.CellInput].AsFloats().AsSpan(l * size * hidden, size * hidden)));
        }
        log.WriteLine($"{cell} {layers} layers: encoder state max |managed − ONNX Runtime| = {largest:E2}");
        Assert.True(largest <= Agreement, $"the encoder's state differs by {largest:E2}");

        // Teacher forcing: feed ⟨s⟩ y_1 … y_m and compare each step's logits on the rows still inside their target.
        using var decoder = OrtSessions.Open(decoderPath);
        var classes = model.Network.Shape.Outputs;
        var h = encoded[StepOnnxExport.StateInput].AsFloats();
        var c = lstm ? encoded[StepOnnxExport.CellInput].AsFloats() : null;
        largest = 0;
        for (var t = 0; t < batch.Target.Steps; t++)
        {
            var tokens = Enumerable.Range(0, size).Select(b => (long)batch.Target.Tokens[t * size + b]).ToArray();
            var outputs = Step(decoder, tokens, layers, hidden, ref h, ref c);
            var logits = outputs["logits"].AsFloats();
            for (var b = 0; b < size; b++)
            {
                if (t < batch.Target.Lengths[b])
                    largest = Math.Max(largest, MaxDifference(managedLogits.AsSpan((t * size + b) * classes, classes), logits.AsSpan(b * classes, classes)));
            }
        }
        log.WriteLine($"{cell} {layers} layers: teacher-forced logits max |managed − ONNX Runtime| = {largest:E2}");
        Assert.True(largest <= Agreement, $"the decoder's logits differ by {largest:E2}");

        // Greedy decoding with the two graphs writes what the engine writes.
        var engine = model.Decode(pairs.Select(p => p.Source).ToArray());
        h = encoded[StepOnnxExport.StateInput].AsFloats();
        c = lstm ? encoded[StepOnnxExport.CellInput].AsFloats() : null;
        var previous = Enumerable.Repeat((long)model.Network.Shape.Boundary, size).ToArray();
        var written = Enumerable.Range(0, size).Select(_ => new List<int>()).ToArray();
        var finished = new bool[size];
        for (var step = 0; step < EncoderDecoderModel.MaxOutputLength(steps) && finished.Contains(false); step++)
        {
            var logits = Step(decoder, previous, layers, hidden, ref h, ref c)["logits"].AsFloats();
            for (var b = 0; b < size; b++)
            {
                var row = logits.AsSpan(b * classes, classes);
                var best = row.IndexOf(row.ToArray().Max());
                previous[b] = best;
                if (!finished[b] && best == model.Network.Shape.Boundary)
                    finished[b] = true;
                else if (!finished[b])
                    written[b].Add(best);
            }
        }
        Assert.Equal(engine.Select(e => string.Join(',', e)), written.Select(w => string.Join(',', w)));
    }

    private static Dictionary<string, TensorData> Step(Microsoft.ML.OnnxRuntime.InferenceSession decoder, long[] tokens, int layers,
        int hidden, ref float[] h, ref float[]? c)
    {
        var size = tokens.Length;
        var inputs = new Dictionary<string, TensorData>
        {
            [EncoderDecoderOnnxExport.Token] = TensorData.FromInt64s([size], tokens),
            [StepOnnxExport.StateInput] = TensorData.FromFloats([layers, size, hidden], h),
        };
        if (c is not null)
            inputs[StepOnnxExport.CellInput] = TensorData.FromFloats([layers, size, hidden], c);
        var outputs = decoder.Run(inputs);
        h = outputs[StepOnnxExport.StateOutput].AsFloats();
        if (c is not null)
            c = outputs[StepOnnxExport.CellOutput].AsFloats();
        return outputs;
    }

    private static double MaxDifference(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var largest = 0.0;
        for (var i = 0; i < expected.Length; i++)
            largest = Math.Max(largest, Math.Abs(expected[i] - actual[i]));
        return largest;
    }
}
