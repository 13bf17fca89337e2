using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Datasets;

/// <summary>
/// The service trains per-step models on uploaded files: a CoNLL tagging file (a tag per token, a blank line between
/// sentences) and a plain text for a character language model; each predicts per step afterwards. Bad files are a 400
/// naming the line, and a per-step head's outputs (labels × steps) count toward the training memory bound. A per-step
/// regression's model.zip loads in ML.NET and gives the service's values at every step.
/// </summary>
public sealed class PerStepUploadTests
{
    // A tag decided by the word and by the word before it (a tagger must look back): "the" before a word makes it N.
    private static string Conll(int sentences, int seed)
    {
        var random = new Random(seed);
        string[] words = ["the", "cat", "dog", "runs", "sleeps", "fast"];
        var text = new StringBuilder("-DOCSTART- O\n\n");
        for (var s = 0; s < sentences; s++)
        {
            var previous = "";
            foreach (var word in Enumerable.Range(0, random.Next(2, 7)).Select(_ => words[random.Next(words.Length)]))
            {
                var tag = word == "the" ? "D" : previous == "the" ? "N" : "O";
                text.Append(word).Append(" X ").Append(tag).Append('\n');
                previous = word;
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static async Task<long> UploadAsync(HttpClient client, string name, string content)
    {
        using var upload = await client.PostAsync($"/api/datasets?name={name}", new StringContent(content));
        var body = await upload.Content.ReadAsStringAsync();
        Assert.True(upload.StatusCode == HttpStatusCode.Created, body);
        return (long)JsonNode.Parse(body)!["id"]!;
    }

    private static async Task<JsonNode> PredictAsync(HttpClient client, long run, JsonObject record)
    {
        using var answered = await client.PostAsync($"/api/runs/{run}/predict",
            ApiClient.Json(new JsonObject { ["records"] = new JsonArray(record) }.ToJsonString()));
        var text = await answered.Content.ReadAsStringAsync();
        Assert.True(answered.StatusCode == HttpStatusCode.OK, text);
        var response = JsonNode.Parse(text)!;
        Assert.True((bool)response["per_step"]!);
        return response["predictions"]!.AsArray().Single()!;
    }

    [Fact]
    public async Task A_conll_upload_trains_a_tagger_that_tags_every_token()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        var dataset = await UploadAsync(client, "tags.conll", Conll(400, 1));
        var record = JsonNode.Parse(await client.GetStringAsync("/api/datasets"))!["datasets"]!.AsArray().Single(d => (long)d!["id"]! == dataset)!;
        Assert.Equal("conll", (string?)record["format"]);
        Assert.Equal(400, (int)record["sequences"]!); // the -DOCSTART- line is a document break, not a sentence
        Assert.Equal(["D", "N", "O"], record["classes"]!.AsArray().Select(c => (string)c!));

        var run = (long)(await client.CreateRunAsync(new { dataset_id = dataset, cell = "gru", hidden_size = 16, epochs = 8, batch_size = 16, learning_rate = 0.01 }))["id"]!;
        await client.WaitStateAsync(run, "succeeded", seconds: 300);

        // "cat" is N after "the" and O elsewhere: only a tagger that reads the step before gets both.
        var tagged = await PredictAsync(client, run, new JsonObject { ["tokens"] = new JsonArray("the", "cat", "runs", "cat", "the", "dog") });
        Assert.Equal(["D", "N", "O", "O", "D", "N"], tagged["labels"]!.AsArray().Select(l => (string)l!));
    }

    [Fact]
    public async Task A_text_upload_trains_a_character_language_model_that_predicts_the_next_character()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        // A text whose next character is always decided by the one before: "abcd" repeated, over lines.
        var text = string.Concat(Enumerable.Repeat("abcd abcd abcd\n", 200));
        var dataset = await UploadAsync(client, "letters.txt", text);
        var record = JsonNode.Parse(await client.GetStringAsync("/api/datasets"))!["datasets"]!.AsArray().Single(d => (long)d!["id"]! == dataset)!;
        Assert.Equal("txt", (string?)record["format"]);
        Assert.Equal("tokens", (string?)record["input_kind"]);
        Assert.Equal(["\n", " ", "a", "b", "c", "d"], record["classes"]!.AsArray().Select(c => (string)c!));
        // 90% of 3,000 characters to train on, in windows of 100 predicting the character after each.
        Assert.Equal(100, (int)record["max_length"]!);
        Assert.Equal(27, (int)record["sequences"]!);

        var run = (long)(await client.CreateRunAsync(new { dataset_id = dataset, cell = "lstm", hidden_size = 16, epochs = 30, batch_size = 4, learning_rate = 0.02 }))["id"]!;
        await client.WaitStateAsync(run, "succeeded", seconds: 300);
        var next = await PredictAsync(client, run, new JsonObject { ["text"] = "abcd ab" });
        Assert.Equal(["a", "b", "c", "d", " ", "a", "b"], next["tokens"]!.AsArray().Select(t => (string)t!));
        // After b comes c, after a b, after d a space: the character each step predicts comes next in the text.
        Assert.Equal(["b", "c", "d", " ", "a", "b", "c"], next["labels"]!.AsArray().Select(l => (string)l!));
    }

    [Fact]
    public async Task Bad_tagging_and_text_uploads_name_the_line_and_per_step_outputs_count_toward_the_training_bound()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), ServiceProcess.TestToken, false,
            $"--Recurrent:Runs:MaxActivationBytes={64L << 20}");
        var client = service.Client;
        await Expect.ProblemAsync(client.PostAsync("/api/datasets?name=bad.conll", new StringContent("the X D\ncat X N\n\ndog\n")), 400, "label",
            "bad.conll, line 4, field 'label': the token 'dog' has no label");
        await Expect.ProblemAsync(client.PostAsync("/api/datasets?name=bad.conll", new StringContent("the X D\ncat N\n")), 400, "body",
            "bad.conll, line 2: the line has 2 columns but line 1 has 3");
        await Expect.ProblemAsync(client.PostAsync("/api/datasets?name=short.txt", new StringContent("too short")), 400, "body",
            "short.txt: the text has 9 characters; a character language model needs at least 40");
        Assert.Empty(JsonNode.Parse(await client.GetStringAsync("/api/datasets"))!["datasets"]!.AsArray());

        // 95 characters of ASCII text: every step of a window of 100 holds 95 probabilities and their gradients,
        // 76 KB a sequence, 72 MiB for a batch of 1,000, over the 64 MiB bound; the network's own activations are
        // about half of that.
        var text = new StringBuilder();
        for (var i = 0; i < 400; i++)
            text.Append((char)(' ' + i % 95));
        var dataset = await UploadAsync(client, "ascii.txt", text.ToString());
        await Expect.ProblemAsync(client.PostAsync("/api/runs", ApiClient.Json(new { dataset_id = dataset, hidden_size = 4, embedding_size = 4, batch_size = 1000 })), 400, "batch_size",
            "per-step head's 95 outputs and their gradients at every step");
        // A batch that fits trains.
        var run = (long)(await client.CreateRunAsync(new { dataset_id = dataset, hidden_size = 4, embedding_size = 4, batch_size = 4, epochs = 1 }))["id"]!;
        await client.WaitStateAsync(run, "succeeded", seconds: 120);
    }

    public sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    public sealed class Values
    {
        public VBuffer<float> Score { get; set; }
    }

    [Fact]
    public async Task A_per_step_regressions_model_zip_predicts_the_services_values_at_every_step()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        // The running sum of one feature: a value per step.
        var random = new Random(4);
        var text = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            var xs = Enumerable.Range(0, random.Next(3, 8)).Select(_ => Math.Round(random.NextDouble() - 0.5, 3)).ToArray();
            var sums = xs.Select((_, t) => Math.Round(xs.Take(t + 1).Sum(), 3));
            text.Append("{\"steps\":[").AppendJoin(',', xs.Select(x => string.Create(CultureInfo.InvariantCulture, $"[{x}]")))
                .Append("],\"targets\":[").AppendJoin(',', sums.Select(v => v.ToString(CultureInfo.InvariantCulture))).Append("]}\n");
        }
        var dataset = await UploadAsync(client, "sums.jsonl", text.ToString());
        var run = (long)(await client.CreateRunAsync(new { dataset_id = dataset, cell = "gru", hidden_size = 8, epochs = 2 }))["id"]!;
        await client.WaitStateAsync(run, "succeeded", seconds: 300);

        float[] features = [0.25f, -0.5f, 0.125f, 0.4f];
        var served = await PredictAsync(client, run, new JsonObject { ["steps"] = new JsonArray([.. features.Select(f => (JsonNode)new JsonArray(f))]) });
        var expected = served["values"]!.AsArray().Select(v => (float)v!).ToArray();
        Assert.Equal(features.Length, expected.Length);

        using var zip = new MemoryStream(await client.GetByteArrayAsync($"/api/runs/{run}/model.zip"));
        var ml = new MLContext();
        var engine = ml.Model.CreatePredictionEngine<Row, Values>(ml.Model.Load(zip, out _));
        var values = engine.Predict(new Row { Features = features }).Score.DenseValues().ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (var t = 0; t < values.Length; t++)
            Assert.True(Math.Abs(values[t] - expected[t]) <= 1e-5 * Math.Max(1, Math.Abs(expected[t])), $"step {t}: {values[t]} against {expected[t]}");
    }
}
