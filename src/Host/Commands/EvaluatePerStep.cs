using System.Globalization;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Commands;

/// <summary>
/// The figures `recurrent evaluate` adds beside loss and accuracy: per-class precision, recall and F1 with their
/// macro mean, and for a per-step head the labelled steps scored, perplexity and bits per step, a BIO tagger's span
/// scores (CoNLL's), and a built-in task's baseline (copy:T's memoryless loss, a character model's unigram).
/// </summary>
internal static class EvaluatePerStep
{
    /// <summary>Tables (the per-class one, the confusion matrix) are printed as text up to this many classes.</summary>
    public const int MaxPrintedClasses = 20;

    private const string PerClass = "per_class", SpanTypes = "span_types";

    public static void Add(Dictionary<string, object?> result, Evaluation evaluation, TaskBaseline? baseline)
    {
        if (evaluation.PerStep)
        {
            result["per_step"] = true;
            result["scored_steps"] = evaluation.Scored;
        }
        result["macro_f1"] = evaluation.MacroF1;
        result["perplexity"] = evaluation.Perplexity;
        result["bits_per_step"] = evaluation.BitsPerStep;
        if (baseline is not null)
        {
            result["baseline"] = baseline.Name;
            result["baseline_loss"] = baseline.CrossEntropy;
            result["baseline_bits_per_step"] = baseline.Bits;
        }
        if (evaluation.Spans is { } spans)
        {
            result["span_precision"] = spans.Precision;
            result["span_recall"] = spans.Recall;
            result["span_f1"] = spans.F1;
            result["gold_spans"] = spans.GoldSpans;
            result["predicted_spans"] = spans.PredictedSpans;
            result[SpanTypes] = spans.PerType.Select(t => new Dictionary<string, object?>
            {
                ["type"] = t.Type,
                ["precision"] = t.Precision,
                ["recall"] = t.Recall,
                ["f1"] = t.F1,
                ["gold"] = t.GoldSpans,
                ["predicted"] = t.PredictedSpans,
                ["correct"] = t.CorrectSpans,
            }).ToArray();
        }
        if (evaluation.PerClass is { } classes)
        {
            result[PerClass] = classes.Select(c => new Dictionary<string, object?>
            {
                ["label"] = c.Label,
                ["precision"] = c.Precision,
                ["recall"] = c.Recall,
                ["f1"] = c.F1,
                ["support"] = c.Support,
            }).ToArray();
        }
    }

    /// <summary>Takes the tables out of the result, for text output that prints them as tables.</summary>
    public static void RemoveTables(Dictionary<string, object?> result)
    {
        result.Remove(PerClass);
        result.Remove(SpanTypes);
    }

    public static void PrintTables(Evaluation evaluation)
    {
        if (evaluation.PerClass is { Count: <= MaxPrintedClasses } classes)
            Print(evaluation.PerStep ? "per label (tokens)" : "per class",
                classes.Select(c => (c.Label, c.Precision, c.Recall, c.F1, c.Support)));
        if (evaluation.Spans is { } spans)
            Print("per span type (exact match)",
                spans.PerType.Select(t => (t.Type, t.Precision, t.Recall, t.F1, t.GoldSpans)));
    }

    private static void Print(string title, IEnumerable<(string Name, double Precision, double Recall, double F1, long Support)> rows)
    {
        var list = rows.ToArray();
        var width = Math.Max(8, list.Select(r => Shown(r.Name).Length).DefaultIfEmpty(0).Max() + 1);
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine($"{"".PadRight(width)}{"precision",10}{"recall",10}{"f1",10}{"support",10}");
        foreach (var r in list)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Shown(r.Name).PadRight(width)}{r.Precision,10:F4}{r.Recall,10:F4}{r.F1,10:F4}{r.Support,10}"));
    }

    private static string Shown(string label) => label switch { " " => "␣", "\n" => "\\n", "\t" => "\\t", _ => label };
}
