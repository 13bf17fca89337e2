using System.CommandLine;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Commands;

/// <summary>
/// `recurrent generate`: samples text from a language model (a per-step softmax head over tokens, trained on
/// <c>charlm:PATH</c> or on JSONL whose labels are each step's next token) one token at a time after a prime.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A language model written by train (a per-step head over tokens, one direction).", Required = true };
        var prime = new Option<string?>("--prime") { Description = "Text fed before sampling (default: a line break, or a token drawn with the seed when the model has none)." };
        var length = new Option<int>("--length") { Description = "Tokens to sample after the prime (1 to 100000).", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature") { Description = "Sample from softmax(z/τ); lower is more conservative, 0 is greedy.", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int>("--seed") { Description = "Seed of the sampler: the same seed gives the same text.", DefaultValueFactory = _ => 1 };
        var json = CliOptions.Json();
        var command = new Command("generate", "Sample text from a language model, reproducibly with a seed.")
        {
            model, prime, length, temperature, seed, json,
        };
        command.SetAction(parse => ExitCodes.Guard(() =>
        {
            var lm = SequenceModel.Load(parse.GetRequiredValue(model));
            CheckLanguageModel(lm);
            var count = parse.GetValue(length);
            if (count is < 1 or > 100_000)
                throw new ArgumentException($"--length must be between 1 and 100000, not {count}.");
            var tau = parse.GetValue(temperature);
            if (!double.IsFinite(tau) || tau < 0)
                throw new ArgumentException($"--temperature must be a number ≥ 0, not {tau}.");
            var generator = lm.CreateGenerator(parse.GetValue(seed));
            var start = parse.GetValue(prime) ?? DefaultPrime(lm, parse.GetValue(seed));
            if (start.Length == 0)
                throw new ArgumentException("--prime is empty: the model needs at least one token to start from.");
            generator.FeedText(start);
            if (generator.Steps == 0)
                throw new ArgumentException("--prime holds no token (only spaces), and a word model needs at least one.");
            var text = generator.SampleText(count, tau);
            if (parse.GetValue(json))
            {
                CliOutput.Print(new Dictionary<string, object?>
                {
                    ["prime"] = start,
                    ["text"] = text,
                    ["tokens"] = count,
                    ["temperature"] = tau,
                    ["seed"] = parse.GetValue(seed),
                }, json: true);
                return ExitCodes.Success;
            }
            // A given prime and its continuation read as one text (a word model's tokens spaced); a default one is not shown.
            if (parse.GetValue(prime) is null)
                Console.WriteLine(text);
            else
                Console.WriteLine(lm.TokenUnit == TokenUnit.Word ? $"{start.TrimEnd()} {text}" : start + text);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static void CheckLanguageModel(SequenceModel model)
    {
        if (!model.PerStep || model.Head != HeadKind.MultiClass || model.InputKind != InputKind.Tokens)
            throw new ArgumentException("This model does not generate: only a language model does (a per-step head over more than two classes, reading tokens, as train --data charlm:PATH makes).");
        if (model.Options.Bidirectional)
            throw new ArgumentException("This model is bidirectional: it reads the future and cannot sample one step at a time.");
    }

    // Text usually starts after a line break; a model that never saw one starts from one of its own tokens.
    private static string DefaultPrime(SequenceModel model, int seed)
    {
        if (model.TokenUnit == TokenUnit.Character && model.Vocabulary!.IdOf("\n") != Vocabulary.UnknownId)
            return "\n";
        var classes = model.Labels.ClassNames;
        return classes[new Random(seed).Next(classes.Count)];
    }
}
