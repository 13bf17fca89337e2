using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.ML;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>
/// docs/mlnet.md's options table is generated from the declarations (every option of
/// <see cref="RecurrentTrainerOptions"/> with its default and its help, <see cref="DescriptionAttribute"/>), and the
/// README's rows are the same rows. Run with RECURRENT_WRITE_DOCS=1 to rewrite the table after changing an option.
/// </summary>
public sealed class OptionsTableTests
{
    private const string Header = "| option | default | meaning |";

    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diagnostics.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("No Diagnostics.sln above the tests.");
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        CancellationToken => "none",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    // The ML.NET options first (columns, watching), then the engine's, each type's in declaration order.
    private static IEnumerable<PropertyInfo> Options() =>
        new[] { typeof(RecurrentTrainerOptions), typeof(SequenceModelOptions) }
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(p => p.CanWrite);

    /// <summary>The table's rows, as generated from the declarations.</summary>
    public static IReadOnlyList<string> Rows()
    {
        var defaults = new RecurrentTrainerOptions();
        return [.. Options().Select(p =>
            $"| `{p.Name}` | {Format(p.GetValue(defaults))} | {p.GetCustomAttribute<DescriptionAttribute>()?.Description} |")];
    }

    // The lines of the first table under the header, and where they are.
    private static (string[] Lines, int Start, int Count) Table(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(Repository(), file));
        var start = Array.FindIndex(lines, l => l.StartsWith(Header, StringComparison.Ordinal));
        Assert.True(start >= 0, $"{file} has no options table.");
        var count = lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|')).Count();
        return (lines, start + 2, count);
    }

    [Fact]
    public void Every_option_declares_its_help()
    {
        Assert.All(Options(), p => Assert.False(string.IsNullOrWhiteSpace(p.GetCustomAttribute<DescriptionAttribute>()?.Description), p.Name));
    }

    [Fact]
    public void The_reference_table_is_the_generated_one()
    {
        var (lines, start, count) = Table("docs/mlnet.md");
        var rows = Rows();
        if (Environment.GetEnvironmentVariable("RECURRENT_WRITE_DOCS") == "1")
        {
            File.WriteAllLines(Path.Combine(Repository(), "docs/mlnet.md"), [.. lines.Take(start), .. rows, .. lines.Skip(start + count)]);
            return;
        }
        Assert.Equal(rows, lines.Skip(start).Take(count));
    }

    [Fact]
    public void The_README_table_lists_generated_rows()
    {
        var (lines, start, count) = Table("README.md");
        var rows = Rows().ToHashSet(StringComparer.Ordinal);
        Assert.True(count >= 10);
        Assert.All(lines.Skip(start).Take(count), row => Assert.True(rows.Contains(row),
            $"README's row {row} is not as the declarations generate it (see docs/mlnet.md)."));
    }
}
