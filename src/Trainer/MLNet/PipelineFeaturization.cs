using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Text;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// What the steps of a fitted ML.NET pipeline in front of the Recurrent trainer do to its feature column, in terms
/// standard ONNX operators can run: NormalizeText (case only), TokenizeIntoWords (one separator) and MapValueToKey
/// for text, nothing for a raw Single vector. Each step's behaviour is observed by running it on probe rows (ML.NET
/// keeps its settings private), so what the graph does is what the step does; anything else is named as the step
/// that cannot be expressed.
/// </summary>
internal static class PipelineFeaturization
{
    public sealed record Result(PipelineInput? Input, string? Problem);

    public static Result Describe(ITransformer model, DataViewSchema inputSchema, string featureColumn, SequenceModel network)
    {
        var steps = Flatten(model).ToList();
        var schemas = new List<DataViewSchema> { inputSchema };
        foreach (var step in steps)
            schemas.Add(step.GetOutputSchema(schemas[^1]));
        var trainer = Enumerable.Range(0, steps.Count).FirstOrDefault(i => Adds(schemas, i, MLNetOnnxBoundary.Probabilities)
            || Adds(schemas, i, MLNetOnnxBoundary.Logit) || Adds(schemas, i, MLNetOnnxBoundary.Value), -1);
        if (trainer < 0)
            return new(null, "the Recurrent trainer's step was not found in the model.");
        try
        {
            return network.InputKind == InputKind.Numeric
                ? new(DescribeSteps(steps, schemas, trainer, featureColumn, network.FeatureCount), null)
                : new(DescribeText(steps, schemas, trainer, featureColumn), null);
        }
        catch (NotExpressibleException e)
        {
            return new(null, e.Message);
        }
    }

    private sealed class NotExpressibleException(string message) : Exception(message);

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];

    // Step i makes a column of that name: its output has one more column so named (the one it replaces stays, hidden;
    // ML.NET places the new one beside it, so positions say nothing).
    private static bool Adds(List<DataViewSchema> schemas, int i, string column) =>
        schemas[i + 1].Count(c => c.Name == column) > schemas[i].Count(c => c.Name == column);

    // The last step before `before` that makes the column, or −1 when it comes from the input.
    private static int Producer(List<DataViewSchema> schemas, int before, string column)
    {
        for (var j = before - 1; j >= 0; j--)
        {
            if (Adds(schemas, j, column))
                return j;
        }
        return -1;
    }

    private static NotExpressibleException Unsupported(IReadOnlyList<ITransformer> steps, int j, string column, string why = "") =>
        new($"step {j + 1} of the pipeline ({steps[j].GetType().Name}, which makes column '{column}') has no equivalent in standard ONNX operators{why}.");

    private static PipelineInput DescribeSteps(List<ITransformer> steps, List<DataViewSchema> schemas, int trainer, string column, int featuresPerStep)
    {
        var j = Producer(schemas, trainer, column);
        if (j >= 0)
            throw Unsupported(steps, j, column);
        return new PipelineInput.Steps(column, featuresPerStep);
    }

    private static PipelineInput DescribeText(List<ITransformer> steps, List<DataViewSchema> schemas, int trainer, string column)
    {
        var keyStep = Producer(schemas, trainer, column);
        if (keyStep < 0 || steps[keyStep] is not ValueToKeyMappingTransformer)
            throw keyStep < 0
                ? new NotExpressibleException($"the key column '{column}' is an input of the model, not made from text by its steps.")
                : Unsupported(steps, keyStep, column);
        var keyValues = KeyValues(schemas[keyStep + 1][column]);
        var described = new List<string> { $"MapValueToKey({column})" };
        var current = Source(steps[keyStep], column);
        var index = keyStep;
        char? separator = null;
        var lowercase = false;
        while (true)
        {
            var j = Producer(schemas, index, current);
            if (j < 0)
                break;
            var source = Source(steps[j], current);
            switch (steps[j])
            {
                case WordTokenizingTransformer when separator is null:
                    separator = Separator(steps, j, current, source);
                    described.Insert(0, $"TokenizeIntoWords({current} <- {source}, separator '{separator}')");
                    break;
                case TextNormalizingTransformer:
                    lowercase |= Lowercases(steps, j, current, source, schemas[j][source].Type);
                    described.Insert(0, $"NormalizeText({current} <- {source}, lowercase)");
                    break;
                default:
                    throw Unsupported(steps, j, current);
            }
            current = source;
            index = j;
        }
        if (separator is null)
            throw new NotExpressibleException($"no TokenizeIntoWords step makes the tokens of '{column}' from text.");
        if (schemas[0].GetColumnOrNull(current) is not { Type: TextDataViewType })
            throw new NotExpressibleException($"the text comes from column '{current}', which is not a text column of the model's input.");
        return new PipelineInput.Text(current, lowercase, separator.Value, keyValues, string.Join(", ", described));
    }

    private static string[] KeyValues(DataViewSchema.Column keys)
    {
        VBuffer<ReadOnlyMemory<char>> values = default;
        try
        {
            keys.GetKeyValues(ref values);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new NotExpressibleException($"the key column '{keys.Name}' has no text key values to look words up in.");
        }
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    // ML.NET's one-to-one transformers keep their (output, input) pairs internal; they are read by name here, in one
    // place, and a later ML.NET that renames them fails with this message rather than with a wrong graph.
    private static string Source(ITransformer step, string output)
    {
        for (var type = step.GetType(); type is not null; type = type.BaseType)
        {
            var member = (MemberInfo?)type.GetField("ColumnPairs", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
                ?? type.GetProperty("ColumnPairs", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
            var value = member switch { FieldInfo f => f.GetValue(step), PropertyInfo p => p.GetValue(step), _ => null };
            if (value is (string, string)[] pairs)
            {
                foreach (var (o, i) in pairs)
                {
                    if (o == output)
                        return i;
                }
            }
        }
        throw new NotExpressibleException($"the input column of {step.GetType().Name} (making '{output}') cannot be read in this ML.NET version.");
    }

    private sealed class Probe
    {
        public string Value { get; set; } = "";
    }

    private static string[][] Run(ITransformer step, string input, string output, IEnumerable<string> texts, bool asVector)
    {
        var ml = new MLContext();
        var rows = texts.Select(t => new Probe { Value = t }).ToArray();
        var definition = SchemaDefinition.Create(typeof(Probe));
        definition[nameof(Probe.Value)].ColumnName = input;
        IDataView view = ml.Data.LoadFromEnumerable(rows, definition);
        if (asVector)
            view = ml.Transforms.Text.TokenizeIntoWords(input, input, separators: ['\u0001']).Fit(view).Transform(view);
        var result = step.Transform(view);
        return result.Schema[output].Type is VectorDataViewType
            ? result.GetColumn<VBuffer<ReadOnlyMemory<char>>>(result.Schema[output]).Select(v => v.DenseValues().Select(x => x.ToString()).ToArray()).ToArray()
            : result.GetColumn<ReadOnlyMemory<char>>(result.Schema[output]).Select(v => new[] { v.ToString() }).ToArray();
    }

    // Which single character the tokenizer splits on, among the characters text holds between words.
    private static char Separator(List<ITransformer> steps, int j, string output, string input)
    {
        var candidates = Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c).Where(c => !char.IsLetterOrDigit(c))
            .Concat(['\t', '\n', '\r', '\u00A0', '\u2028']).ToArray();
        var split = Run(steps[j], input, output, candidates.Select(c => $"a{c}b"), asVector: false);
        var separators = candidates.Where((c, i) => split[i].SequenceEqual(["a", "b"])).ToArray();
        if (separators.Length != 1)
            throw Unsupported(steps, j, output,
                $": it splits on {(separators.Length == 0 ? "none of the characters tried" : string.Join(", ", separators.Select(c => $"'{c}'")))}, and ONNX's StringSplit takes one separator");
        return separators[0];
    }

    // Whether a NormalizeText step lowercases; it must keep diacritics, punctuation and numbers, which no standard
    // operator can remove.
    private static bool Lowercases(List<ITransformer> steps, int j, string output, string input, DataViewType type)
    {
        string[] probes = ["Ab", "é", "a,b", "a1"];
        var result = Run(steps[j], input, output, probes, asVector: type is VectorDataViewType).Select(r => string.Concat(r)).ToArray();
        if (result[1] != "é")
            throw Unsupported(steps, j, output, ": it removes diacritics (NormalizeText(..., keepDiacritics: true) keeps them)");
        if (result[2] != "a,b")
            throw Unsupported(steps, j, output, ": it removes punctuation");
        if (result[3] != "a1")
            throw Unsupported(steps, j, output, ": it removes numbers");
        return result[0] switch
        {
            "ab" => true,
            "Ab" => false,
            _ => throw Unsupported(steps, j, output, ": it uppercases"),
        };
    }
}
