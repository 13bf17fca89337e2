using System.Text;
using Recurrent.Host.Tests.Support;
using Recurrent.Host.Training;

namespace Recurrent.Host.Tests.Training;

/// <summary>
/// docs/options.md's tables (every training option with its flag, JSON field, default, range and help; every
/// deprecated spelling) are generated from the declarations, and the README names only flags that exist. Run with
/// RECURRENT_WRITE_DOCS=1 to rewrite the tables after changing an option.
/// </summary>
public sealed class OptionsDocumentTests
{
    private const string Begin = "<!-- generated from the declarations: OptionsDocumentTests -->";
    private const string End = "<!-- end of generated tables -->";

    /// <summary>The generated tables.</summary>
    public static string Tables()
    {
        var defaults = new TrainingRequest();
        var text = new StringBuilder();
        text.AppendLine("| option | flag | JSON field | default | accepts | meaning |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var option in TrainingOptions.All)
            text.AppendLine($"| `{option.Name}` | `{option.Flag}` | `{option.JsonName}` | {TrainingOption.Format(option.DefaultIn(defaults))} | {Accepts(option)} | {option.Description} |");
        text.AppendLine();
        text.AppendLine("| deprecated flag | deprecated field | use instead |");
        text.AppendLine("| --- | --- | --- |");
        foreach (var old in DeprecatedSpellings.All)
        {
            static string Instead(string warning) => warning[(warning.IndexOf("use ", StringComparison.Ordinal) + 4)..].TrimEnd('.');
            text.AppendLine($"| `{old.Flag}` | `{old.JsonName}` | `{Instead(old.Warning(FieldSpelling.CommandLine))}`; `{Instead(old.Warning(FieldSpelling.Json))}` |");
        }
        return text.ToString().TrimEnd();
    }

    private static string Accepts(TrainingOption option)
    {
        var type = option.ValueType;
        var what = type.IsEnum ? string.Join(", ", Enum.GetValues(type).Cast<Enum>().Select(TrainingOptions.ValueName))
            : type == typeof(bool) ? "true, false"
            : type == typeof(IReadOnlyList<int>) ? "one whole number per layer"
            : option.Rule is { } rule ? rule.Replace("must be ", "", StringComparison.Ordinal).Replace("must not be negative", "not negative", StringComparison.Ordinal)
            : type == typeof(int) || type == typeof(long) ? "a whole number" : "a finite number";
        return option.Optional ? what + "; none" : what;
    }

    [Fact]
    public void The_options_reference_is_generated_from_the_declarations()
    {
        var path = Path.Combine(Repository.Root(), "docs/options.md");
        var text = File.ReadAllText(path);
        var start = text.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        var end = text.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start > Begin.Length - 1 && end > start, "docs/options.md has no generated section.");
        var generated = "\n\n" + Tables() + "\n\n";
        if (Environment.GetEnvironmentVariable("RECURRENT_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, text[..start] + generated + text[end..]);
            return;
        }
        Assert.Equal(generated, text[start..end]);
    }

    [Fact]
    public void The_README_s_train_commands_use_only_current_flags()
    {
        // Continued lines ("\" at the end) read as one command.
        var readme = File.ReadAllText(Path.Combine(Repository.Root(), "README.md")).Replace("\\\n", " ", StringComparison.Ordinal).Split('\n');
        var train = readme.Select(l => l.Trim()).Where(l => l.StartsWith("recurrent train ", StringComparison.Ordinal)).ToList();
        var flags = TrainingOptions.All.Select(o => o.Flag)
            .Concat(["--data", "--valid", "--test", "--out", "--onnx", "--metrics-port", "--metrics-linger", "--json"])
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(train.Count >= 5);
        foreach (var line in train)
        {
            foreach (System.Text.RegularExpressions.Match flag in System.Text.RegularExpressions.Regex.Matches(line, @"(?<![\w-])--[a-z][a-z0-9-]*"))
                Assert.True(flags.Contains(flag.Value), $"README runs `{line}`, whose {flag.Value} is not a current flag of recurrent train.");
        }
    }
}
