using System.Text.Json;
using System.Text.Json.Nodes;
using Recurrent.Integration.Tests.Support;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Files;
using Recurrent.Trainer.Models;

namespace Recurrent.Integration.Tests.MLNet;

/// <summary>
/// `recurrent export --mlnet`: the model.zip loads in a fresh process that references only Microsoft.ML,
/// Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime, and predicts the CLI's probabilities.
/// </summary>
public sealed class MLNetExportTests
{
    [Fact]
    public void A_token_model_zip_predicts_the_cli_probabilities_in_a_fresh_process()
    {
        using var dir = new TemporaryDirectory();
        var reviews = Path.Combine(RepositoryPaths.Root, "examples", "reviews.csv");
        var model = Path.Combine(dir.Path, "reviews.model");
        var onnx = Path.Combine(dir.Path, "reviews.onnx");
        var zip = Path.Combine(dir.Path, "reviews.zip");
        Ok(RecurrentCli.Run("train", "--data", reviews, "--cell", "gru", "--hidden", "8", "--epochs", "5", "--batch", "8",
            "--lr", "0.02", "--out", model, "--onnx", onnx));
        Ok(RecurrentCli.Run("export", "--model", model, "--mlnet", zip));

        // The same tokens for both: the CLI's tokenizer, plus a word the vocabulary has never seen (<unk>).
        var records = Path.Combine(dir.Path, "records.jsonl");
        var texts = File.ReadLines(reviews).Skip(1).Take(12).Select(line => line[(line.IndexOf(',') + 1)..].Trim('"'))
            .Append("zyzzyva unheard of words");
        File.WriteAllLines(records, texts.Select(t => new JsonObject
        {
            ["tokens"] = new JsonArray(TextTokenizer.Tokenize(t).Select(w => (JsonNode)w).ToArray()),
        }.ToJsonString()));

        var cli = Ok(RecurrentCli.Run("predict", "--model", onnx, "--data", records, "--json")).Json.GetProperty("predictions");
        var consumer = MLNetConsumer.Predict(zip, records);
        var positive = SequenceModel.Load(model).Labels.ClassNames[1];
        Assert.Equal(cli.GetArrayLength(), consumer.Length);
        for (var i = 0; i < consumer.Length; i++)
        {
            var expected = cli[i].GetProperty("probabilities").GetProperty(positive).GetDouble();
            Assert.Equal(expected, (double)consumer[i]["probability"]!, tolerance: 1e-6);
        }
    }

    [Fact]
    public void A_numeric_multiclass_model_zip_predicts_the_cli_probabilities_in_a_fresh_process()
    {
        using var dir = new TemporaryDirectory();
        var model = Path.Combine(dir.Path, "order.model");
        var onnx = Path.Combine(dir.Path, "order.onnx");
        var zip = Path.Combine(dir.Path, "order.zip");
        Ok(RecurrentCli.Run("train", "--data", "temporal-order:12", "--count", "200", "--cell", "lstm", "--hidden", "8",
            "--layers", "2", "--epochs", "1", "--out", model, "--onnx", onnx));
        Ok(RecurrentCli.Run("export", "--model", model, "--onnx", Path.Combine(dir.Path, "again.onnx"), "--mlnet", zip));

        var classifier = SequenceModel.Load(model);
        var random = new Random(7);
        var records = Path.Combine(dir.Path, "records.jsonl");
        File.WriteAllLines(records, Enumerable.Range(0, 6).Select(i => new JsonObject
        {
            ["steps"] = new JsonArray(Enumerable.Range(0, 5 + i).Select(_ => (JsonNode)new JsonArray(
                Enumerable.Range(0, classifier.FeatureCount).Select(_ => (JsonNode)(random.NextDouble() * 2 - 1)).ToArray())).ToArray()),
        }.ToJsonString()));

        var cli = Ok(RecurrentCli.Run("predict", "--model", onnx, "--data", records, "--json")).Json.GetProperty("predictions");
        var consumer = MLNetConsumer.Predict(zip, records);
        Assert.Equal(cli.GetArrayLength(), consumer.Length);
        for (var i = 0; i < consumer.Length; i++)
        {
            var scores = consumer[i]["scores"]!.AsArray();
            Assert.Equal(classifier.Labels.ClassCount, scores.Count);
            for (var k = 0; k < scores.Count; k++)
            {
                var expected = cli[i].GetProperty("probabilities").GetProperty(classifier.Labels.ClassNames[k]).GetDouble();
                Assert.Equal(expected, (double)scores[k]!, tolerance: 1e-6);
            }
        }
    }

    [Fact]
    public void Export_without_a_target_is_refused()
    {
        var result = RecurrentCli.Run("export", "--model", "missing.model");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--mlnet", result.Error);
    }

    private static RecurrentCli.Result Ok(RecurrentCli.Result result)
    {
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        return result;
    }
}
