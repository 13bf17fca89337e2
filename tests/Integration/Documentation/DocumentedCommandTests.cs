using System.Text.RegularExpressions;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.Documentation;

/// <summary>
/// The README's and docs/' command lines against the `recurrent` a user runs: every command exists, every flag is one
/// its `--help` lists, and the README's first example does what its comment says.
/// </summary>
public sealed partial class DocumentedCommandTests
{
    [Fact]
    public void Every_documented_command_line_uses_a_command_and_flags_its_help_lists()
    {
        var helps = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var wrong = new List<string>();
        var seen = 0;
        foreach (var page in MarkdownExamples.Pages())
        {
            foreach (var (_, command, arguments) in MarkdownExamples.CommandLines(page))
            {
                seen++;
                if (!helps.TryGetValue(command, out var flags))
                    helps[command] = flags = HelpFlags(command);
                var where = $"{Path.GetFileName(page)}: `recurrent {command}{arguments}`";
                if (flags.Count == 0)
                    wrong.Add($"{where}: no such command");
                wrong.AddRange(MarkdownExamples.Flags(arguments).Where(f => flags.Count > 0 && !flags.Contains(f))
                    .Select(f => $"{where}: {f} is not an option of recurrent {command}"));
            }
        }
        Assert.True(seen > 30, $"only {seen} command lines found: has the Markdown's form changed?");
        Assert.True(helps.Count >= 8, $"commands documented: {string.Join(", ", helps.Keys)}");
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void The_README_s_first_example_trains_and_evaluates_as_its_comment_says()
    {
        var readme = Path.Combine(RepositoryPaths.Root, "README.md");
        var block = MarkdownExamples.CodeBlocks(readme).Select(b => b.Text)
            .First(text => text.Contains("recurrent train --data seed-toy", StringComparison.Ordinal));
        using var directory = new TemporaryDirectory();
        string? claim = null;
        string[]? evaluate = null;
        foreach (var line in block.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('#', 2);
            var arguments = parts[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("recurrent", arguments[0]);
            // Relative paths (the model file) land in the scratch directory, as they would in the user's.
            var run = RecurrentCli.Run(arguments.Skip(1).Select(a => a.EndsWith(".model", StringComparison.Ordinal) ? directory.File(a) : a).ToArray());
            Assert.True(run.ExitCode == 0, $"{line}\n{run.Error}");
            if (arguments[1] == "evaluate")
            {
                claim = parts.Length > 1 ? parts[1] : null;
                evaluate = arguments.Skip(1).Select(a => a.EndsWith(".model", StringComparison.Ordinal) ? directory.File(a) : a).ToArray();
            }
        }
        Assert.NotNull(evaluate);
        var said = EvaluationClaim().Match(claim ?? "");
        Assert.True(said.Success, $"the README's evaluate comment no longer reads 'accuracy A, confusion matrix M': {claim}");
        var result = RecurrentCli.Run([.. evaluate, "--json"]).Json;
        Assert.Equal(double.Parse(said.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), result.GetProperty("accuracy").GetDouble());
        Assert.Equal(said.Groups[2].Value, result.GetProperty("confusion_matrix").GetRawText());
    }

    /// <summary>The long options `recurrent COMMAND --help` lists (none: no such command).</summary>
    private static HashSet<string> HelpFlags(string command)
    {
        // An unknown command's --help prints the root's help (and exits 0): the usage line tells them apart.
        var help = RecurrentCli.Run(command, "--help");
        if (help.ExitCode != 0 || !help.Output.Contains($"recurrent {command} ", StringComparison.Ordinal))
            return [];
        return HelpOption().Matches(help.Output).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^\s{2}(?:-\S+, )*(--[a-z][a-z0-9-]*)", RegexOptions.Multiline)]
    private static partial Regex HelpOption();

    [GeneratedRegex(@"accuracy ([0-9.]+), confusion matrix (\[\[[0-9,\[\]]*\]\])")]
    private static partial Regex EvaluationClaim();
}
