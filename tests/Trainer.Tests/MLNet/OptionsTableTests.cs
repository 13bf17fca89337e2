using System.Globalization;
using System.Reflection;
using Microsoft.ML;

namespace Recurrent.Trainer.Tests.MLNet;

/// <summary>docs/mlnet.md's options table and the README's are true: every option listed once, with its default.</summary>
public sealed class OptionsTableTests
{
    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diagnostics.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("No Diagnostics.sln above the tests.");
    }

    // Rows "| `Name` | default | meaning |" under a header "| option | default | meaning |".
    private static Dictionary<string, string> Table(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(Repository(), file));
        var start = Array.FindIndex(lines, l => l.StartsWith("| option | default | meaning |", StringComparison.Ordinal));
        Assert.True(start >= 0, $"{file} has no options table.");
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            Assert.True(rows.TryAdd(cells[1].Trim('`'), cells[2]), $"{file} lists {cells[1]} twice.");
        }
        return rows;
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        CancellationToken => "none",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static IEnumerable<PropertyInfo> Options() =>
        typeof(RecurrentTrainerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite);

    [Fact]
    public void The_reference_table_lists_every_option_with_its_default()
    {
        var table = Table("docs/mlnet.md");
        var defaults = new RecurrentTrainerOptions();
        Assert.Equal(Options().Select(p => p.Name).Order(), table.Keys.Order());
        foreach (var property in Options())
            Assert.True(Format(property.GetValue(defaults)) == table[property.Name],
                $"docs/mlnet.md says {property.Name} defaults to {table[property.Name]}; the code says {Format(property.GetValue(defaults))}.");
    }

    [Fact]
    public void The_README_table_gives_the_defaults_of_what_it_lists()
    {
        var table = Table("README.md");
        var defaults = new RecurrentTrainerOptions();
        Assert.True(table.Count >= 10);
        foreach (var (name, value) in table)
        {
            var property = typeof(RecurrentTrainerOptions).GetProperty(name);
            Assert.True(property is not null, $"README lists {name}, which is not an option.");
            Assert.Equal(Format(property.GetValue(defaults)), value);
        }
    }
}
