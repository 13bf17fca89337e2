using System.Text.RegularExpressions;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.Documentation;

/// <summary>
/// The commands and programs the README and docs/ show a user, read from the Markdown itself, so a test that runs
/// them fails when the text drifts from the product.
/// </summary>
internal static partial class MarkdownExamples
{
    /// <summary>The user-facing Markdown: the README and every page of docs/.</summary>
    public static IEnumerable<string> Pages() =>
        new[] { Path.Combine(RepositoryPaths.Root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md").Order(StringComparer.Ordinal));

    /// <summary>The fenced code blocks of a page, with the language after the opening fence.</summary>
    public static IReadOnlyList<(string Language, string Text)> CodeBlocks(string page)
    {
        var blocks = new List<(string, string)>();
        string? language = null;
        var lines = new List<string>();
        foreach (var line in File.ReadAllLines(page))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                if (language is null)
                {
                    language = line[3..].Trim();
                    lines.Clear();
                }
                else
                {
                    blocks.Add((language, string.Join('\n', lines)));
                    language = null;
                }
            }
            else if (language is not null)
            {
                lines.Add(line);
            }
        }
        return blocks;
    }

    /// <summary>
    /// Every `recurrent COMMAND ...` a page shows, in a code block (a line, with its backslash continuations, up to a
    /// `#` comment) or in an inline code span (which may wrap over lines), with the page and the text as written.
    /// </summary>
    public static IEnumerable<(string Page, string Command, string Arguments)> CommandLines(string page)
    {
        var outsideBlocks = WithoutCodeBlocks(File.ReadAllText(page));
        foreach (Match span in InlineCommand().Matches(outsideBlocks))
            yield return (page, span.Groups[1].Value, span.Groups[2].Value.Replace('\n', ' '));
        foreach (var (_, block) in CodeBlocks(page))
        {
            foreach (var line in block.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'))
            {
                var command = BlockCommand().Match(line);
                if (command.Success)
                    yield return (page, command.Groups[1].Value, command.Groups[2].Value.Split('#')[0]);
            }
        }
    }

    /// <summary>The page's text with its fenced code blocks removed: the prose and its inline spans.</summary>
    public static string WithoutCodeBlocks(string text) => FencedBlock().Replace(text, "");

    /// <summary>The long flags (`--name`) of a command line, not the values or placeholders between them.</summary>
    public static IEnumerable<string> Flags(string arguments) =>
        Flag().Matches(arguments).Select(m => m.Groups[1].Value);

    [GeneratedRegex("^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"`recurrent ([a-z][a-z-]*)((?: [^`]*)?)`")]
    private static partial Regex InlineCommand();

    [GeneratedRegex(@"^\s*recurrent ([a-z][a-z-]*)(.*)$")]
    private static partial Regex BlockCommand();

    [GeneratedRegex(@"(?:^|[\s\[])(--[a-z][a-z0-9-]*)")]
    private static partial Regex Flag();
}
