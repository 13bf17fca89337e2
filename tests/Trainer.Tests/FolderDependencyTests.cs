using System.Text;
using System.Text.RegularExpressions;

namespace Recurrent.Trainer.Tests;

/// <summary>
/// The folders of src/Trainer depend on each other one way, as src/Trainer/README.md draws them: a folder names
/// types of the folders on layers below its own only. The test reads the source: it finds every top-level type and
/// the folder of its file (the file's place decides, not its namespace, so the types the public API keeps in
/// <c>Microsoft.ML</c> count where they live), then every type name each file uses in code (comments and strings
/// left out), plain or qualified, and fails on a use that goes sideways or up, naming the file and the type.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private const string Root = "(root)";

    [Fact]
    public void Every_folder_uses_only_the_layers_below_it()
    {
        var layers = ReadLayers();
        var files = SourceFiles();
        var violations = new List<string>();
        foreach (var (file, folder, code) in files)
        {
            foreach (var (type, owner) in UsedTypes(code, Declarations(files, layers)))
            {
                if (owner != folder && !(layers[owner] < layers[folder]))
                    violations.Add($"{file} ({folder}, layer {layers[folder]}) uses {type} of {owner} (layer {layers[owner]})");
            }
        }
        Assert.True(violations.Count == 0, "Dependencies against the layering of src/Trainer/README.md:\n" +
            string.Join('\n', violations.Distinct()));
    }

    [Fact]
    public void The_drawing_names_every_folder_once()
    {
        var layers = ReadLayers();
        var folders = SourceFiles().Select(f => f.Folder).ToHashSet();
        Assert.Equal(folders.Order(), layers.Keys.Order());
    }

    [Fact]
    public void The_reading_sees_uses_plain_qualified_and_in_the_public_namespace()
    {
        Dictionary<string, string> declared = new()
        {
            ["SequenceModel"] = "Models",
            ["SequenceModelTrainer"] = "Training",
            ["RecurrentTrainer"] = "MLNet",
            ["Gemm"] = "Kernels",
            ["Workspace"] = "Tensors",
        };
        var code = Strip("""
            using Recurrent.Trainer.Models;
            // SequenceModelTrainer in a comment is no use
            internal sealed class Example(Gemm gemm)
            {
                public Workspace Workspace { get; } = new();
                private string _text = "RecurrentTrainer in a string is no use either";
                public SequenceModel Load() => Training.SequenceModelTrainer.Initialize(Workspace);
                public object Fit() => new Microsoft.ML.RecurrentTrainer(Name: 1);
            }
            """);

        var used = UsedTypes(code, declared).Select(u => u.Type).Order().ToArray();

        // Workspace is both a type and this file's property: the property's uses are not the type's, the declaration is.
        Assert.Equal(["Gemm", "RecurrentTrainer", "SequenceModel", "SequenceModelTrainer", "Workspace"], used);
    }

    /// <summary>Folder → layer, from the README's table "| layer | folders | ... |".</summary>
    private static Dictionary<string, int> ReadLayers()
    {
        var readme = File.ReadAllLines(Path.Combine(TrainerDirectory(), "README.md"));
        var layers = new Dictionary<string, int>();
        foreach (var line in readme)
        {
            var match = LayerRow().Match(line);
            if (!match.Success)
                continue;
            var layer = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            foreach (Match folder in FolderName().Matches(match.Groups[2].Value))
                Assert.True(layers.TryAdd(folder.Groups[1].Value, layer), $"{folder.Value} is drawn twice");
        }
        Assert.NotEmpty(layers);
        return layers;
    }

    private static List<(string File, string Folder, string Code)> SourceFiles()
    {
        var root = TrainerDirectory();
        var files = new List<(string, string, string)>();
        foreach (var path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            var parts = relative.Split('/');
            if (parts[0] is "bin" or "obj")
                continue;
            var code = Strip(File.ReadAllText(path));
            // Top-level types are found at the start of a line: every file has a file-scoped namespace.
            Assert.True(FileScopedNamespace().IsMatch(code), $"{relative} has no file-scoped namespace");
            files.Add((relative, parts.Length > 1 ? parts[0] : Root, code));
        }
        return files;
    }

    /// <summary>
    /// Top-level type name → the folder of its file. A partial type may add members from a folder above its own
    /// (the model's ONNX methods beside the exporter): it belongs to the lowest; any other name declared in two
    /// folders is an error.
    /// </summary>
    private static Dictionary<string, string> Declarations(List<(string File, string Folder, string Code)> files,
        Dictionary<string, int> layers)
    {
        var declared = new Dictionary<string, (string Folder, bool Partial)>();
        foreach (var (file, folder, code) in files)
        {
            foreach (Match match in TopLevelType().Matches(code))
            {
                var name = match.Groups[1].Value;
                var partial = Regex.IsMatch(match.Value, @"\bpartial\b");
                if (!declared.TryGetValue(name, out var seen))
                {
                    declared[name] = (folder, partial);
                    continue;
                }
                Assert.True(seen.Folder == folder || (seen.Partial && partial),
                    $"{name} is declared in {seen.Folder} and in {file}");
                if (layers[folder] < layers[seen.Folder])
                    declared[name] = (folder, partial);
            }
        }
        return declared.ToDictionary(d => d.Key, d => d.Value.Folder);
    }

    /// <summary>The types of <paramref name="declared"/> that <paramref name="code"/> names, with their folders.</summary>
    private static HashSet<(string Type, string Folder)> UsedTypes(string code, Dictionary<string, string> declared)
    {
        // A member of the file named as a type (a property Workspace of type Workspace) is read as the member.
        var declarations = MemberDeclaration().Matches(code);
        var members = declarations.Select(m => m.Groups["name"].Value).ToHashSet();
        var used = new HashSet<(string, string)>();
        foreach (Match member in declarations)
        {
            if (declared.TryGetValue(member.Groups["type"].Value, out var owner))
                used.Add((member.Groups["type"].Value, owner));
        }
        foreach (Match match in DottedName().Matches(code))
        {
            var segments = match.Value.Split('.', StringSplitOptions.TrimEntries);
            if (segments.Length == 1 && (members.Contains(segments[0]) || NamedArgumentOrInitializer().IsMatch(code[(match.Index + match.Length)..Math.Min(code.Length, match.Index + match.Length + 3)])))
                continue;
            if (segments.Length > 1 && members.Contains(segments[0]))
                continue;
            // Skip the namespace part (Recurrent.Trainer.Layers., Microsoft.ML., a folder's name); the first type decides.
            foreach (var segment in segments)
            {
                if (declared.TryGetValue(segment, out var owner))
                {
                    used.Add((segment, owner));
                    break;
                }
                if (!char.IsUpper(segment[0]) || !NamespaceSegments.Contains(segment))
                    break;
            }
        }
        return used;
    }

    /// <summary>The parts a qualified name's namespace may have: the assembly's, ML.NET's, and every folder's name.</summary>
    private static readonly HashSet<string> NamespaceSegments =
    [
        "Recurrent", "Trainer", "Microsoft", "ML",
        .. Directory.EnumerateDirectories(TrainerDirectory(), "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(TrainerDirectory(), path).Replace('\\', '/').Split('/'))
            .Where(parts => parts[0] is not ("bin" or "obj")).Select(parts => parts[^1]),
    ];

    /// <summary>The code with comments, string and character literals blanked (their lengths kept).</summary>
    private static string Strip(string source)
    {
        var code = new StringBuilder(source.Length);
        var i = 0;
        while (i < source.Length)
        {
            var end = LiteralOrCommentEnd(source, i);
            if (end == i)
            {
                code.Append(source[i++]);
                continue;
            }
            for (; i < end; i++)
                code.Append(source[i] == '\n' ? '\n' : ' ');
        }
        return code.ToString();
    }

    /// <summary>Where the comment or literal starting at <paramref name="i"/> ends; <paramref name="i"/> when none starts there.</summary>
    private static int LiteralOrCommentEnd(string s, int i)
    {
        if (s.AsSpan(i).StartsWith("//"))
            return IndexOrEnd(s, "\n", i);
        if (s.AsSpan(i).StartsWith("/*"))
            return IndexOrEnd(s, "*/", i + 2) + 2;
        var start = i;
        while (start < s.Length && s[start] is '$' or '@')
            start++;
        if (start < s.Length && s.AsSpan(start).StartsWith("\"\"\""))
        {
            var quotes = 0;
            while (start + quotes < s.Length && s[start + quotes] == '"')
                quotes++;
            return Math.Min(s.Length, IndexOrEnd(s, new string('"', quotes), start + quotes) + quotes);
        }
        if (start < s.Length && s[start] == '"' && (start == i || s[i] is '$' or '@'))
        {
            var verbatim = s.AsSpan(i, start - i).Contains('@');
            for (var j = start + 1; j < s.Length; j++)
            {
                if (!verbatim && s[j] == '\\')
                    j++;
                else if (s[j] == '"' && verbatim && j + 1 < s.Length && s[j + 1] == '"')
                    j++;
                else if (s[j] == '"')
                    return j + 1;
            }
            return s.Length;
        }
        if (s[i] == '\'' && (i == 0 || !char.IsLetterOrDigit(s[i - 1])))
        {
            var j = i + 1 < s.Length && s[i + 1] == '\\' ? i + 3 : i + 2;
            while (j < s.Length && s[j] != '\'')
                j++;
            return Math.Min(s.Length, j + 1);
        }
        return i;
    }

    private static int IndexOrEnd(string s, string value, int from)
    {
        var at = s.IndexOf(value, from, StringComparison.Ordinal);
        return at < 0 ? s.Length : at;
    }

    private static string TrainerDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diagnostics.sln")))
                return Path.Combine(dir.FullName, "src", "Trainer");
        }
        throw new DirectoryNotFoundException("No Diagnostics.sln above the tests.");
    }

    [GeneratedRegex(@"^\|\s*(\d+)\s*\|([^|]*)\|")]
    private static partial Regex LayerRow();

    [GeneratedRegex(@"`([^`/]+)/?`")]
    private static partial Regex FolderName();

    [GeneratedRegex(@"^namespace\s+[\w.]+\s*;", RegexOptions.Multiline)]
    private static partial Regex FileScopedNamespace();

    [GeneratedRegex(@"^(?:(?:public|internal|sealed|static|abstract|readonly|partial|file|ref|unsafe)\s+)*(?:class|struct|interface|enum|record(?:\s+(?:class|struct))?|delegate\s+[\w<>\[\],?\s]+?)\s+([A-Z]\w*)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    [GeneratedRegex(@"(?<![\w@.])[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*")]
    private static partial Regex DottedName();

    [GeneratedRegex(@"(?<![\w.])(?<type>[A-Z]\w*)(?:<[^<>;]*>)?[?\[\]]*\s+(?<name>[A-Z]\w*)\s*(?:\{|=>|;|=(?!=)|\()")]
    private static partial Regex MemberDeclaration();

    [GeneratedRegex(@"^\s*(?:=(?![=>])|:(?!:))")]
    private static partial Regex NamedArgumentOrInitializer();
}
