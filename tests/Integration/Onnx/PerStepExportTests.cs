using Microsoft.ML;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;
using Recurrent.Trainer.Training;
using Xunit.Abstractions;

namespace Recurrent.Integration.Tests.Onnx;

/// <summary>
/// Per-step models in standard operators: the top layer's Y, one MatMul and Softmax (or Sigmoid) over every step.
/// ONNX Runtime (Microsoft.ML.OnnxRuntime and onnxruntime-node) gives the managed engine's per-step outputs within
/// 1e-5 on batches of mixed lengths; a language model's single step, with its state as inputs and outputs, steps
/// through a sequence to the whole sequence's outputs and samples what the engine samples; the onnx checker accepts
/// every file.
/// </summary>
public sealed class PerStepExportTests(ITestOutputHelper log)
{
    private const double Agreement = 1e-5;
    private const int Features = 3, Vocabulary = 9;
    private static readonly int[] Lengths = [6, 2, 5, 1, 4, 3, 6, 2];

    public sealed record Case(string Name, RecurrentCellKind Cell, RecurrentActivation Activation, int Layers, bool Bidirectional,
        bool Tokens, string Head, int[]? Dilations = null, bool LinearBeforeReset = true)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases() => new()
    {
        new("lstm tokens multiclass", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 1, false, true, "multiclass"),
        new("lstm numeric multiclass 2 layers bidirectional", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 2, true, false, "multiclass"),
        new("gru tokens binary bidirectional", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 1, true, true, "binary"),
        new("gru reset-before numeric multiclass 2 layers", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 2, false, false, "multiclass", LinearBeforeReset: false),
        new("rnn tanh numeric regression", RecurrentCellKind.Rnn, RecurrentActivation.Tanh, 1, false, false, "regression"),
        new("rnn relu tokens multiclass 2 layers bidirectional", RecurrentCellKind.Rnn, RecurrentActivation.Relu, 2, true, true, "multiclass"),
        new("lstm dilations 1,3 tokens multiclass", RecurrentCellKind.Lstm, RecurrentActivation.Tanh, 2, false, true, "multiclass", [1, 3]),
        new("gru dilation 2 bidirectional numeric regression", RecurrentCellKind.Gru, RecurrentActivation.Tanh, 1, true, false, "regression", [2]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Onnx_runtime_gives_the_managed_engines_outputs_at_every_step(Case c)
    {
        var data = Data(c.Tokens, c.Head);
        var model = Train(c, data);
        var managed = model.PredictSteps(data.Examples);

        var outputs = PeerRun.CheckAndRun(SequenceModelOnnxExport.Build(model), ExportFixtures.Inputs(data), log);
        var steps = Lengths.Max();
        var regression = c.Head == "regression";
        var result = outputs[regression ? "value" : "probabilities"];
        var width = regression ? 1 : model.Labels.ClassCount;
        Assert.Equal([data.Count, steps, width], result.Shape);
        var values = result.AsFloats();
        var largest = 0.0;
        for (var b = 0; b < data.Count; b++)
        {
            for (var t = 0; t < data.Examples[b].Length; t++)
            {
                var offset = (b * steps + t) * width;
                if (regression)
                {
                    largest = Math.Max(largest, Math.Abs(values[offset] - managed[b][t].Value));
                    continue;
                }
                for (var k = 0; k < width; k++)
                    largest = Math.Max(largest, Math.Abs(values[offset + k] - managed[b][t].Probabilities[k]));
            }
        }
        log.WriteLine($"{c.Name}: max |managed − ONNX Runtime| over every valid step = {largest:E2}");
        Assert.True(largest <= Agreement, $"managed and ONNX Runtime differ by {largest:E2}");
        Assert.Contains("per step", OnnxMetadataReaderOf(model)["recurrent.outputs"]);
    }

    [Theory]
    [InlineData(RecurrentCellKind.Lstm, 2)]
    [InlineData(RecurrentCellKind.Gru, 2)]
    [InlineData(RecurrentCellKind.Rnn, 1)]
    public void The_single_step_graph_carries_the_state_to_the_whole_sequences_outputs(RecurrentCellKind cell, int layers)
    {
        var c = new Case("step", cell, RecurrentActivation.Tanh, layers, false, true, "multiclass");
        var data = Data(tokens: true, "multiclass");
        var model = Train(c, data);
        var sequence = data.Examples[0];
        var whole = model.PredictSteps(sequence);

        using var directory = new TemporaryDirectory();
        var path = directory.File("step.onnx");
        model.ExportOnnxStep(path);
        var description = OnnxChecker.CheckAndDescribe(path);
        log.WriteLine(description.ToJsonString());
        using var session = OrtSessions.Open(path);
        var hidden = model.Options.HiddenSize;
        var state = new float[layers * hidden];
        var cellState = new float[layers * hidden];
        var largest = 0.0;
        for (var t = 0; t < sequence.Length; t++)
        {
            var inputs = new Dictionary<string, TensorData>
            {
                ["input"] = TensorData.FromInt64s([1], [sequence.TokenIds![t]]),
                [StepOnnxExport.StateInput] = TensorData.FromFloats([layers, 1, hidden], state),
            };
            if (cell == RecurrentCellKind.Lstm)
                inputs[StepOnnxExport.CellInput] = TensorData.FromFloats([layers, 1, hidden], cellState);
            var outputs = session.Run(inputs);
            var probabilities = outputs["probabilities"].AsFloats();
            for (var k = 0; k < probabilities.Length; k++)
                largest = Math.Max(largest, Math.Abs(probabilities[k] - whole[t].Probabilities[k]));
            state = outputs[StepOnnxExport.StateOutput].AsFloats();
            if (cell == RecurrentCellKind.Lstm)
                cellState = outputs[StepOnnxExport.CellOutput].AsFloats();
        }
        log.WriteLine($"{cell} {layers} layers: max |whole sequence − stepped ONNX Runtime| = {largest:E2}");
        Assert.True(largest <= Agreement, $"stepping in ONNX Runtime differs by {largest:E2}");
    }

    [Fact]
    public void Greedy_sampling_in_onnx_runtime_writes_what_the_engine_writes()
    {
        var text = string.Concat(Enumerable.Repeat("the cat sat on the mat. ", 30));
        using var directory = new TemporaryDirectory();
        var corpus = directory.Write("corpus.txt", text);
        var splits = DatasetLoader.Load($"charlm:{corpus}:24");
        var model = new SequenceModelTrainer(new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Lstm,
            HiddenSize = 24,
            EmbeddingSize = 8,
            Epochs = 15,
            BatchSize = 8,
            LearningRate = 0.02f,
        }).Fit(splits.Train);
        var engine = model.Generate("the ", 30, temperature: 0);

        var path = directory.File("step.onnx");
        model.ExportOnnxStep(path);
        using var session = OrtSessions.Open(path);
        var hidden = model.Options.HiddenSize;
        var state = new float[hidden];
        var cells = new float[hidden];
        var classes = model.Labels.ClassNames;
        float[] Step(string character)
        {
            var outputs = session.Run(new Dictionary<string, TensorData>
            {
                ["input"] = TensorData.FromInt64s([1], [model.Vocabulary!.IdOf(character)]),
                [StepOnnxExport.StateInput] = TensorData.FromFloats([1, 1, hidden], state),
                [StepOnnxExport.CellInput] = TensorData.FromFloats([1, 1, hidden], cells),
            });
            state = outputs[StepOnnxExport.StateOutput].AsFloats();
            cells = outputs[StepOnnxExport.CellOutput].AsFloats();
            return outputs["logits"].AsFloats();
        }
        float[] logits = [];
        foreach (var character in "the ")
            logits = Step(character.ToString());
        var written = new System.Text.StringBuilder();
        for (var i = 0; i < 30; i++)
        {
            var next = classes[Array.IndexOf(logits, logits.Max())];
            written.Append(next);
            logits = Step(next);
        }
        log.WriteLine($"engine: \"{engine}\"; ONNX Runtime: \"{written}\"");
        Assert.Equal(engine, written.ToString());
    }

    [Fact]
    public void Models_without_a_single_step_are_refused_by_name()
    {
        var data = Data(tokens: true, "multiclass");
        var bidirectional = new SequenceModelTrainer(new SequenceModelOptions { HiddenSize = 4, Bidirectional = true }).Initialize(data);
        Assert.Contains("bidirectional", Assert.Throws<InvalidOperationException>(() => StepOnnxExport.Build(bidirectional)).Message);
        var dilated = new SequenceModelTrainer(new SequenceModelOptions { HiddenSize = 4, Layers = 2, Dilations = [1, 2] }).Initialize(data);
        Assert.Contains("dilated", Assert.Throws<InvalidOperationException>(() => StepOnnxExport.Build(dilated)).Message);
        var classifier = new SequenceModelTrainer(new SequenceModelOptions { HiddenSize = 4 })
            .Initialize(ExportFixtures.Data("c", true, "multiclass", [3, 2]));
        Assert.Contains("per-step", Assert.Throws<InvalidOperationException>(() => StepOnnxExport.Build(classifier)).Message);
    }

    private static IReadOnlyDictionary<string, string> OnnxMetadataReaderOf(SequenceModel model)
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("m.onnx");
        model.ExportOnnx(path);
        return OnnxMetadataReader.Read(path);
    }

    private static SequenceModel Train(Case c, SequenceDataset data) => new SequenceModelTrainer(new SequenceModelOptions
    {
        Cell = c.Cell,
        Activation = c.Activation,
        HiddenSize = 6,
        Layers = c.Layers,
        Dilations = c.Dilations,
        Bidirectional = c.Bidirectional,
        GruLinearBeforeReset = c.LinearBeforeReset,
        EmbeddingSize = 5,
        Epochs = 2,
        BatchSize = 4,
        LearningRate = 0.02f,
    }).Fit(data);

    // Mixed lengths with a label at every step: tokens over w0..w6 or three features; three classes (two for binary,
    // targets for regression).
    private static SequenceDataset Data(bool tokens, string head)
    {
        var random = new DeterministicRandom(11);
        var vocabulary = new Vocabulary(Enumerable.Range(0, Vocabulary - 2).Select(i => $"w{i}"));
        var labels = head == "regression" ? LabelSet.Regression() : LabelSet.Classes(head == "binary" ? ["no", "yes"] : ["a", "b", "c"]);
        var examples = Lengths.Select(length =>
        {
            var ids = Enumerable.Range(0, length).Select(_ => 1 + random.NextInt(Vocabulary - 1)).ToArray();
            var steps = Enumerable.Range(0, length * Features).Select(_ => (float)random.NextUniform(-1, 1)).ToArray();
            if (head == "regression")
            {
                var targets = Enumerable.Range(0, length).Select(_ => (float)random.NextUniform(-1, 1)).ToArray();
                return tokens ? SequenceExample.FromTokens(ids, targets) : SequenceExample.FromSteps(steps, Features, targets);
            }
            var classes = Enumerable.Range(0, length).Select(_ => random.NextInt(labels.ClassCount)).ToArray();
            return tokens ? SequenceExample.FromTokens(ids, classes) : SequenceExample.FromSteps(steps, Features, classes);
        }).ToArray();
        return new SequenceDataset("per-step", tokens ? InputKind.Tokens : InputKind.Numeric, tokens ? 0 : Features,
            tokens ? vocabulary : null, labels, examples);
    }
}
