using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.Commands;

/// <summary>
/// The command line on an encoder–decoder: `train --data reverse:N` trains one and reports greedy decoding's token
/// and sequence accuracy beside copying the input; `evaluate`, `predict` and `export` take its model file (format 4)
/// and give the same figures, the decoded sequences and the two ONNX graphs; what does not apply is refused by name.
/// </summary>
public sealed class EncoderDecoderCommandTests
{
    [Fact]
    public void Train_evaluate_predict_and_export_an_encoder_decoder_on_reversal()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("reverse.model");
        var train = RecurrentCli.Run("train", "--data", "reverse:5", "--count", "1000", "--cell", "lstm", "--hidden-size", "48",
            "--embedding-size", "8", "--epochs", "12", "--batch-size", "16", "--learning-rate", "0.01", "--learning-rate-decay", "0.8",
            "--clip-norm", "1", "--seed", "3", "--threads", "1", "--out", model, "--onnx", directory.File("reverse.onnx"), "--json");
        Assert.True(train.ExitCode == 0, train.Error);
        var result = train.Json;
        var sequence = result.GetProperty("test_sequence_accuracy").GetDouble();
        var baseline = result.GetProperty("baseline_sequence_accuracy").GetDouble();
        Assert.True(sequence >= 0.9, $"test sequence accuracy {sequence:P1}");
        Assert.True(result.GetProperty("test_token_accuracy").GetDouble() >= 0.9);
        Assert.InRange(baseline, 0.15, 0.4);
        Assert.Equal(12, result.GetProperty("epochs").GetInt32());
        // The encoder's gradient health at the last step: the ratio g_1/g_S along the source, and the clipped share.
        Assert.True(double.IsFinite(result.GetProperty("log10_vanishing_ratio").GetDouble()));
        Assert.True(result.GetProperty("last_grad_norm").GetDouble() > 0);
        Assert.Equal(result.GetProperty("clipped_steps").GetDouble() / result.GetProperty("steps").GetDouble(),
            result.GetProperty("clip_rate").GetDouble(), 12);
        Assert.Equal(4, BitConverter.ToInt32(File.ReadAllBytes(model), 8));
        Assert.True(File.Exists(directory.File("reverse.encoder.onnx")) && File.Exists(directory.File("reverse.decoder.onnx")));

        // evaluate gives the test split's figures again, from the file: the same seed, its first 200 pairs.
        var evaluate = RecurrentCli.Run("evaluate", "--model", model, "--data", "reverse:5", "--count", "200", "--seed", "3", "--json");
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Equal(sequence, evaluate.Json.GetProperty("sequence_accuracy").GetDouble(), 12);
        Assert.Equal(result.GetProperty("test_loss").GetDouble(), evaluate.Json.GetProperty("loss").GetDouble(), 9);

        // predict writes each source, its decoding and, when wrong, what was expected.
        var predict = RecurrentCli.Run("predict", "--model", model, "--data", "reverse:5", "--count", "5", "--json");
        Assert.True(predict.ExitCode == 0, predict.Error);
        var rows = predict.Json.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(5, rows.Length);
        foreach (var row in rows)
        {
            var source = row.GetProperty("source").EnumerateArray().Select(s => s.GetString()).ToArray();
            var output = row.GetProperty("output").EnumerateArray().Select(s => s.GetString()).ToArray();
            Assert.Equal(row.GetProperty("correct").GetBoolean(), source.Reverse().SequenceEqual(output));
        }
        var text = RecurrentCli.Run("predict", "--model", model, "--data", "reverse:5", "--count", "3");
        Assert.Equal(3, text.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("->", text.Output, StringComparison.Ordinal);

        // A file of one's own sequences: the model's symbols, the target optional for predict, required to evaluate.
        var file = directory.Write("mine.jsonl", "{\"source\": [\"a\", \"b\", \"c\"], \"target\": [\"c\", \"b\", \"a\"]}\n{\"source\": [\"h\", \"e\"]}\n");
        var mine = RecurrentCli.Run("predict", "--model", model, "--data", file, "--json");
        Assert.True(mine.ExitCode == 0, mine.Error);
        var decoded = mine.Json.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(["c", "b", "a"], decoded[0].GetProperty("output").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["e", "h"], decoded[1].GetProperty("output").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, decoded[1].GetProperty("target").ValueKind);
        var unlabelled = RecurrentCli.Run("evaluate", "--model", model, "--data", file);
        Assert.Equal(2, unlabelled.ExitCode);
        Assert.Contains("line 2, field 'target'", unlabelled.Error, StringComparison.Ordinal);

        var export = RecurrentCli.Run("export", "--model", model, "--onnx", directory.File("again.onnx"));
        Assert.True(export.ExitCode == 0, export.Error);
        Assert.Equal(File.ReadAllBytes(directory.File("reverse.decoder.onnx")), File.ReadAllBytes(directory.File("again.decoder.onnx")));

        // An ML.NET model file: Tokens (the source's symbols as text) in, PredictedLabel (the greedy decoding as keys)
        // out, the same decodings as predict; a symbol the model does not know gives an empty output.
        var mlnet = RecurrentCli.Run("export", "--model", model, "--mlnet", directory.File("m.zip"));
        Assert.True(mlnet.ExitCode == 0, mlnet.Error);
        var ml = new MLContext();
        var loaded = ml.Model.Load(directory.File("m.zip"), out _);
        var sources = ml.Data.LoadFromEnumerable(new[]
        {
            new SourceRow { Tokens = ["a", "b", "c"] }, new SourceRow { Tokens = ["h", "e"] }, new SourceRow { Tokens = ["a", "z"] },
        });
        var scored = loaded.Transform(sources);
        var symbols = ml.Transforms.Conversion.MapKeyToValue("Output", "PredictedLabel").Fit(scored).Transform(scored)
            .GetColumn<string[]>("Output").ToArray();
        Assert.Equal(["c", "b", "a"], symbols[0]);
        Assert.Equal(["e", "h"], symbols[1]);
        Assert.Empty(symbols[2]);

        // What does not apply is refused with exit 2 and a message naming it.
        var wrongData = RecurrentCli.Run("evaluate", "--model", model, "--data", "copy:10");
        Assert.Equal(2, wrongData.ExitCode);
        Assert.Contains("reads a built-in pair task (reverse:N) or a .jsonl file of pairs", wrongData.Error, StringComparison.Ordinal);
        var generate = RecurrentCli.Run("generate", "--model", model, "--prime", "ab");
        Assert.Equal(2, generate.ExitCode);
        Assert.Contains("an encoder–decoder model (format 4)", generate.Error, StringComparison.Ordinal);
        var bidirectional = RecurrentCli.Run("train", "--data", "reverse:3", "--bidirectional", "--out", directory.File("b.model"));
        Assert.Equal(2, bidirectional.ExitCode);
        Assert.Contains("Bidirectional does not apply to an encoder–decoder", bidirectional.Error, StringComparison.Ordinal);
        var tooLong = RecurrentCli.Run("train", "--data", "reverse:501", "--out", directory.File("l.model"));
        Assert.Equal(2, tooLong.ExitCode);
        Assert.Contains("reverse:N with N from 1 to 500", tooLong.Error, StringComparison.Ordinal);
    }

    public sealed class SourceRow
    {
        public string[] Tokens { get; set; } = [];
    }
}
