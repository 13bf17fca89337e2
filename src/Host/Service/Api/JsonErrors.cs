using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Recurrent.Host.Service.Api;

/// <summary>Rewrites System.Text.Json's exceptions as messages that name the request field and what it must be.</summary>
internal static partial class JsonErrors
{
    public static BadRequestException Describe(JsonException e, Type root)
    {
        var unknown = UnknownMember().Match(e.Message);
        if (unknown.Success)
        {
            var name = unknown.Groups[1].Value;
            var known = string.Join(", ", root.GetProperties().Select(p => ApiJson.Options.PropertyNamingPolicy!.ConvertName(p.Name)));
            return new BadRequestException(name, $"{name}: unknown field; the known fields are {known}.");
        }
        var path = e.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : null;
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
        var last = path.Split('.').Last();
        var property = root.GetProperties().FirstOrDefault(p =>
            ApiJson.Options.PropertyNamingPolicy!.ConvertName(p.Name) == Regex.Replace(last, @"\[\d+\]$", ""));
        var type = property is null ? null : Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
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

    // The parser's own position suffix is replaced by ours, counted from 1.
    private static string Trim(string message) => PositionSuffix().Replace(message, "").TrimEnd('.', ' ') + ".";

    [GeneratedRegex(@"The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();

    [GeneratedRegex(@"\s*(Path: .*)?\s*\|?\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?")]
    private static partial Regex PositionSuffix();
}
