using System.Text.Json;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.Commands;

/// <summary>
/// The command line on per-step models: `predict` gives every step's label (from the model file and from its ONNX
/// export alike), `evaluate` a tagger's token and span scores, `generate` samples a character model reproducibly.
/// </summary>
public sealed class PerStepCommandTests
{
    // A text every Debian system has (base-files): 35 KB of English.
    private const string Licence = "/usr/share/common-licenses/GPL-3";

    [Fact]
    public void A_character_model_of_a_licence_beats_the_unigram_baseline_and_generates_its_words_reproducibly()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("gpl.model");
        var spec = $"charlm:{Licence}:64";
        var train = RecurrentCli.Run("train", "--data", spec, "--cell", "lstm", "--hidden-size", "64", "--embedding-size", "16",
            "--epochs", "8", "--learning-rate", "0.01", "--clip-norm", "1", "--seed", "1", "--out", model, "--json");
        Assert.True(train.ExitCode == 0, train.Error);

        // Held-out text (the file's last 5%): bits per character well under the unigram model's.
        var bits = train.Json.GetProperty("test_bits_per_step").GetDouble();
        var unigram = train.Json.GetProperty("baseline_loss").GetDouble() / Math.Log(2);
        Assert.Equal(train.Json.GetProperty("test_loss").GetDouble() / Math.Log(2), bits, 9);
        Assert.InRange(unigram, 4.5, 5.2);
        Assert.True(bits < unigram - 0.8, $"{bits:F2} bits per character against the unigram's {unigram:F2}");

        // evaluate on a whole text reports the same figures: perplexity = 2^bits.
        var evaluate = RecurrentCli.Run("evaluate", "--model", model, "--data", spec, "--json");
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Equal(Math.Pow(2, evaluate.Json.GetProperty("bits_per_step").GetDouble()), evaluate.Json.GetProperty("perplexity").GetDouble(), 6);

        string Generate(int seed, string temperature = "0.5") => RecurrentCli.Run("generate", "--model", model,
            "--prime", "This License ", "--length", "300", "--temperature", temperature, "--seed", $"{seed}", "--json") is var r && r.ExitCode == 0
                ? r.Json.GetProperty("text").GetString()! : throw new InvalidOperationException(r.Error);
        var text = Generate(7);
        Assert.Equal(300, text.Length);
        Assert.Equal(text, Generate(7));
        Assert.NotEqual(text, Generate(8));
        // It follows its training text: most of the words it writes are words of the licence.
        var licenceWords = File.ReadAllText(Licence).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[..^1];
        var known = words.Count(licenceWords.Contains) / (double)words.Length;
        Assert.True(known > 0.5, $"{known:P0} of the generated words occur in the licence: {text}");

        // Text output: the prime and its continuation, one text; greedy decoding needs no seed to repeat itself.
        var plain = RecurrentCli.Run("generate", "--model", model, "--prime", "This License ", "--length", "40", "--temperature", "0");
        Assert.True(plain.ExitCode == 0, plain.Error);
        Assert.StartsWith("This License ", plain.Output, StringComparison.Ordinal);
        Assert.Equal(plain.Output, RecurrentCli.Run("generate", "--model", model, "--prime", "This License ", "--length", "40",
            "--temperature", "0", "--seed", "99").Output);
    }

    [Fact]
    public void Generate_refuses_a_model_that_is_not_a_language_model_and_bad_settings()
    {
        using var directory = new TemporaryDirectory();
        var classifier = directory.File("toy.model");
        Assert.Equal(0, RecurrentCli.Run("train", "--data", "seed-toy", "--hidden-size", "2", "--epochs", "1", "--out", classifier).ExitCode);
        var refused = RecurrentCli.Run("generate", "--model", classifier);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("only a language model does", refused.Error);

        var tagger = directory.File("tagger.model");
        var data = WriteTagging(directory.File("ner.conll"), 40, seed: 1);
        Assert.Equal(0, RecurrentCli.Run("train", "--data", data, "--hidden-size", "4", "--epochs", "1", "--out", tagger).ExitCode);
        var lm = directory.File("lm.model");
        Assert.Equal(0, RecurrentCli.Run("train", "--data", $"charlm:{Licence}:32", "--count", "20", "--hidden-size", "4", "--epochs", "1", "--out", lm).ExitCode);
        Assert.Contains("--temperature must be a number ≥ 0", RecurrentCli.Run("generate", "--model", lm, "--temperature", "-1").Error);
        Assert.Contains("--length must be between 1 and 100000", RecurrentCli.Run("generate", "--model", lm, "--length", "0").Error);
        // Without a prime it starts after a line break; it still repeats itself with the same seed.
        var a = RecurrentCli.Run("generate", "--model", lm, "--length", "20", "--seed", "3");
        Assert.True(a.ExitCode == 0, a.Error);
        Assert.Equal(a.Output, RecurrentCli.Run("generate", "--model", lm, "--length", "20", "--seed", "3").Output);
    }

    [Fact]
    public void A_tagger_predicts_every_token_the_same_from_its_file_and_its_onnx_export_and_evaluates_its_spans()
    {
        using var directory = new TemporaryDirectory();
        var train = WriteTagging(directory.File("train.conll"), 400, seed: 1);
        var test = WriteTagging(directory.File("test.conll"), 60, seed: 2);
        var model = directory.File("ner.model");
        var onnx = directory.File("ner.onnx");
        var fit = RecurrentCli.Run("train", "--data", train, "--cell", "gru", "--hidden-size", "16", "--epochs", "10",
            "--learning-rate", "0.02", "--seed", "1", "--out", model, "--onnx", onnx, "--json");
        Assert.True(fit.ExitCode == 0, fit.Error);

        // Which type a name is depends on the verb before it: only a model that reads order gets the spans right.
        var evaluate = RecurrentCli.Run("evaluate", "--model", model, "--data", test, "--json");
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.True(evaluate.Json.GetProperty("per_step").GetBoolean());
        Assert.True(evaluate.Json.GetProperty("span_f1").GetDouble() > 0.95, evaluate.Output);
        Assert.True(evaluate.Json.GetProperty("gold_spans").GetInt64() > 60);
        Assert.Equal(new[] { "LOC", "PER" }, evaluate.Json.GetProperty("span_types").EnumerateArray().Select(t => t.GetProperty("type").GetString()));
        Assert.Equal(5, evaluate.Json.GetProperty("per_class").GetArrayLength());
        var text = RecurrentCli.Run("evaluate", "--model", model, "--data", test);
        Assert.Contains("per span type (exact match)", text.Output);

        // Records without labels (predict's input) get a label per token.
        var unlabelled = directory.File("unlabelled.conll");
        File.WriteAllText(unlabelled, "met\nparis\naustin\n\nvisited\nparis\n");
        var managed = RecurrentCli.Run("predict", "--model", model, "--data", unlabelled, "--json");
        var runtime = RecurrentCli.Run("predict", "--model", onnx, "--data", unlabelled, "--json");
        Assert.True(managed.ExitCode == 0, managed.Error);
        Assert.True(runtime.ExitCode == 0, runtime.Error);
        Assert.Equal("onnxruntime", runtime.Json.GetProperty("engine").GetString());
        string[][] Labels(JsonElement json) => json.GetProperty("predictions").EnumerateArray()
            .Select(p => p.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToArray()).ToArray();
        Assert.Equal(new[] { new[] { "O", "B-PER", "I-PER" }, ["O", "B-LOC"] }, Labels(managed.Json));
        Assert.Equal(Labels(managed.Json), Labels(runtime.Json));
        var a = managed.Json.GetProperty("predictions").EnumerateArray().SelectMany(p => p.GetProperty("probabilities").EnumerateArray()).ToArray();
        var b = runtime.Json.GetProperty("predictions").EnumerateArray().SelectMany(p => p.GetProperty("probabilities").EnumerateArray()).ToArray();
        Assert.Equal(a.Length, b.Length);
        for (var i = 0; i < a.Length; i++)
            Assert.Equal(a[i].GetDouble(), b[i].GetDouble(), 1e-5);

        var lines = RecurrentCli.Run("predict", "--model", model, "--data", unlabelled).Output.TrimEnd().Split('\n');
        Assert.Equal(["0\tmet/O paris/B-PER austin/I-PER", "1\tvisited/O paris/B-LOC"], lines);
    }

    // Sentences of clauses "verb name [name]": a name is a person after met/called/thanked and a place after
    // visited/left/reached, and every name occurs as both, so a tag depends on the words before it.
    private static string WriteTagging(string path, int count, int seed)
    {
        var random = new Random(seed);
        string[] names = ["jordan", "georgia", "paris", "chelsea", "austin", "victoria"];
        string[] people = ["met", "called", "thanked"], places = ["visited", "left", "reached"], filler = ["then", "we", "and", "later"];
        var sentences = new List<string>();
        for (var s = 0; s < count; s++)
        {
            var lines = new List<string>();
            for (var clause = random.Next(1, 4); clause > 0; clause--)
            {
                if (random.Next(2) == 0)
                    lines.Add($"{filler[random.Next(filler.Length)]} O");
                var person = random.Next(2) == 0;
                lines.Add($"{(person ? people : places)[random.Next(3)]} O");
                var length = random.Next(1, 3);
                for (var n = 0; n < length; n++)
                    lines.Add($"{names[random.Next(names.Length)]} {(n == 0 ? "B-" : "I-")}{(person ? "PER" : "LOC")}");
            }
            sentences.Add(string.Join('\n', lines));
        }
        File.WriteAllText(path, string.Join("\n\n", sentences) + "\n");
        return path;
    }
}
