using System.Text.Json;
using System.Text.RegularExpressions;
using Recurrent.Host.Training;

namespace Recurrent.Host.Service.Api;

/// <summary>Rewrites System.Text.Json's exceptions as messages that name the request field and what it must be.</summary>
internal static partial class JsonErrors
{
    public static BadRequestException Describe(JsonException e, Type root)
    {
        if ((e as OptionValueException ?? e.InnerException as OptionValueException) is { } option)
            return new BadRequestException(option.Field, option.Problem);
        var unknown = UnknownMember().Match(e.Message);
        if (unknown.Success)
        {
            var name = unknown.Groups[1].Value;
            var known = string.Join(", ", root.GetProperties().Select(p => ApiJson.Options.PropertyNamingPolicy!.ConvertName(p.Name)));
            return new BadRequestException(name, $"{name}: unknown field; the known fields are {known}.");
        }
        var path = e.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : null;
        if (path is not null && DuplicateMember().IsMatch(e.Message))
            return new BadRequestException(path, $"{path}: given more than once; give each field once.");
        // A well-formed value of the wrong type: the serializer says "could not be converted", or the reader refused
        // to read a token as the property's type.
        var wrongType = path is not null
            && (e.InnerException is InvalidOperationException || e.Message.Contains("could not be converted", StringComparison.Ordinal));
        if (!wrongType)
        {
            var where = e.LineNumber is long line ? $" at line {line + 1}, character {(e.BytePositionInLine ?? 0) + 1}" : "";
            return new BadRequestException(path, $"Malformed JSON{where}{(path is null ? "" : $" (in '{path}')")}: {Trim(e.Message)}");
        }
        return new BadRequestException(path, $"{path}: expected {Expected(root, path!)}.");
    }

    private static string Expected(Type root, string path)
    {
        var type = TypeAt(root, path);
        return type switch
        {
            null => "a value of another type",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(float) || type == typeof(double) => "a number",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(string) => "a string",
            _ when type.IsAssignableTo(typeof(System.Collections.IEnumerable)) => "an array",
            _ => "an object",
        };
    }

    /// <summary>The declared type at a path such as <c>records[0].tokens</c>, following properties and list elements.</summary>
    private static Type? TypeAt(Type root, string path)
    {
        Type? type = root;
        foreach (var segment in path.Split('.'))
        {
            var name = IndexSuffix().Replace(segment, "");
            var property = type?.GetProperties().FirstOrDefault(p => ApiJson.Options.PropertyNamingPolicy!.ConvertName(p.Name) == name);
            var declared = property?.PropertyType
                ?? (type?.IsAssignableTo(typeof(TrainingRequest)) == true ? DeprecatedSpellings.OfJson(name)?.Type : null);
            type = declared is null ? null : Nullable.GetUnderlyingType(declared) ?? declared;
            for (var depth = IndexSuffix().Match(segment).Value.Count(c => c == '['); depth > 0 && type is not null; depth--)
                type = type.IsArray ? type.GetElementType() : type.GetGenericArguments().FirstOrDefault();
        }
        return type;
    }

    // The parser's own position suffix is replaced by ours, counted from 1.
    private static string Trim(string message) => PositionSuffix().Replace(message, "").TrimEnd('.', ' ') + ".";

    [GeneratedRegex(@"(\[\d+\])+$")]
    private static partial Regex IndexSuffix();

    [GeneratedRegex(@"^Duplicate property '[^']*' encountered")]
    private static partial Regex DuplicateMember();

    [GeneratedRegex(@"The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();

    [GeneratedRegex(@"\s*(Path: .*)?\s*\|?\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?")]
    private static partial Regex PositionSuffix();
}
