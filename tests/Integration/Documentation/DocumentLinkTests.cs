using System.Text;
using System.Text.RegularExpressions;
using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.Documentation;

/// <summary>
/// Every relative link of the README and docs/ reaches a file of the repository, and every `#anchor` a heading of
/// the page it names, with GitHub's rule for heading anchors (lower case; letters, digits, spaces, hyphens and
/// underscores kept, spaces become hyphens; a repeated heading gets -1, -2, ...).
/// </summary>
public sealed partial class DocumentLinkTests
{
    [Fact]
    public void Every_relative_link_reaches_a_file_and_its_heading()
    {
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var page in MarkdownExamples.Pages())
        {
            var text = MarkdownExamples.WithoutCodeBlocks(File.ReadAllText(page));
            foreach (Match link in Link().Matches(text))
            {
                var target = link.Groups[1].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                    continue;
                checkedLinks++;
                var (file, anchor) = target.IndexOf('#') is var hash and >= 0 ? (target[..hash], target[(hash + 1)..]) : (target, "");
                var path = file.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(file)));
                var name = $"{Path.GetRelativePath(RepositoryPaths.Root, page)}: ({target})";
                if (!File.Exists(path) && !Directory.Exists(path))
                    broken.Add($"{name}: no such file");
                else if (!path.StartsWith(RepositoryPaths.Root, StringComparison.Ordinal))
                    broken.Add($"{name}: outside the repository (a user's clone does not have it)");
                else if (anchor.Length > 0 && path.EndsWith(".md", StringComparison.Ordinal) && !Anchors(path).Contains(Uri.UnescapeDataString(anchor)))
                    broken.Add($"{name}: no heading with that anchor");
            }
        }
        Assert.True(checkedLinks > 50, $"only {checkedLinks} links found: has the Markdown's form changed?");
        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Theory]
    [InlineData("Inference's own σ and tanh — 2026-12-07", "inferences-own-σ-and-tanh--2026-12-07")]
    [InlineData("The `recurrent` command line", "the-recurrent-command-line")]
    [InlineData("ML.NET", "mlnet")]
    public void Anchors_follow_GitHub_s_rule(string heading, string anchor) => Assert.Equal(anchor, Slug(heading));

    private static HashSet<string> Anchors(string page)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var inBlock = false;
        foreach (var line in File.ReadLines(page))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
                inBlock = !inBlock;
            else if (!inBlock && Heading().Match(line) is { Success: true } heading)
            {
                var slug = Slug(heading.Groups[1].Value);
                var unique = slug;
                for (var n = 1; !anchors.Add(unique); n++)
                    unique = $"{slug}-{n}";
            }
        }
        return anchors;
    }

    private static string Slug(string heading)
    {
        var text = LinkText().Replace(heading.Trim(), "$1").ToLowerInvariant();
        var slug = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
                slug.Append(c);
            else if (c == ' ')
                slug.Append('-');
        }
        return slug.ToString();
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"\[([^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkText();
}
