using System.Globalization;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Commands;

/// <summary>
/// What `recurrent predict` prints for a per-step model: per record, each step's label (with the token it tags, for
/// token input) or value. Text puts a record on a line ("token/LABEL" pairs, or labels, or values, space separated);
/// JSON gives each step's label and its probability, or its value.
/// </summary>
internal static class PredictStepsOutput
{
    public static int Print(Prediction[][] predictions, SequenceDataset records, Vocabulary? vocabulary, string engine,
        bool json)
    {
        if (json)
        {
            var rows = predictions.Select((steps, i) => Row(steps, i, records.Examples[i], vocabulary)).ToArray();
            CliOutput.Print(new Dictionary<string, object?> { ["engine"] = engine, ["per_step"] = true, ["predictions"] = rows }, json: true);
            return ExitCodes.Success;
        }
        for (var i = 0; i < predictions.Length; i++)
        {
            var tokens = Tokens(records.Examples[i], vocabulary);
            var steps = predictions[i].Select((p, t) =>
            {
                var output = p.Label is null ? p.Value.ToString("G6", CultureInfo.InvariantCulture) : Visible(p.Label);
                return tokens is null ? output : $"{Visible(tokens[t])}/{output}";
            });
            Console.WriteLine($"{i}\t{string.Join(' ', steps)}");
        }
        return ExitCodes.Success;
    }

    private static Dictionary<string, object?> Row(Prediction[] steps, int index, SequenceExample record, Vocabulary? vocabulary)
    {
        var row = new Dictionary<string, object?> { ["record"] = index };
        if (Tokens(record, vocabulary) is { } tokens)
            row["tokens"] = tokens;
        if (steps.Length > 0 && steps[0].Label is null)
        {
            row["values"] = steps.Select(p => p.Value).ToArray();
            return row;
        }
        row["labels"] = steps.Select(p => p.Label).ToArray();
        row["probabilities"] = steps.Select(p => p.Probabilities[p.ClassIndex]).ToArray();
        return row;
    }

    // A line of space-separated steps stays readable when a token or label is itself white space (a character model's).
    private static string Visible(string text) => text switch
    {
        " " => "␣",
        "\n" => "\\n",
        "\t" => "\\t",
        "\r" => "\\r",
        _ => text,
    };

    // The vocabulary's text of each step's token (<unk> for a token the model never saw).
    private static string[]? Tokens(SequenceExample record, Vocabulary? vocabulary) =>
        record.TokenIds is { } ids && vocabulary is not null ? ids.Select(id => vocabulary.Tokens[id]).ToArray() : null;
}
