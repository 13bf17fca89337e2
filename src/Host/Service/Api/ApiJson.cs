using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Recurrent.Host.Training;

namespace Recurrent.Host.Service.Api;

/// <summary>
/// The one JSON dialect of the API: snake_case names, strict types, unknown fields refused. The same settings serve
/// the bodies the handlers read (<see cref="ReadAsync{T}"/>), the responses ASP.NET Core writes and the OpenAPI
/// document it generates (<see cref="AddApiJson"/>).
/// </summary>
internal static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Makes ASP.NET Core write responses, and describe them, in this dialect.</summary>
    public static IServiceCollection AddApiJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(http => Configure(http.SerializerOptions));

    private static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.PropertyNameCaseInsensitive = false;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        // Numbers are read strictly; without this the document, following the web defaults, would say "integer or string".
        options.NumberHandling = JsonNumberHandling.Strict;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.MaxDepth = 16;
        // {"hidden": 4, "hidden": 4000} must not mean whichever the parser kept.
        options.AllowDuplicateProperties = false;
        // Training requests: every option by its one name, its deprecated spellings read, enums by their names.
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(TrainingRequestJson.Modify);
        return options;
    }

    /// <summary>
    /// Reads a whole request body (bounded by Kestrel's body limit) as <typeparamref name="T"/>; every fault becomes
    /// a <see cref="BadRequestException"/> naming the field. A key given twice is refused at any depth, also inside
    /// the free-form objects (a sweep's grid), before anything is deserialized.
    /// </summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new UnsupportedMediaTypeException($"The body must be application/json, not {type}.");
        using var body = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(body, cancellationToken);
        }
        catch (OperationCanceledException) when (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Timeouts.IHttpRequestTimeoutFeature>()
                                                     ?.RequestTimeoutToken.IsCancellationRequested != true)
        {
            // Not the request's deadline (that middleware answers itself): Kestrel cut a body arriving below the minimum
            // rate, or the client went away (then nobody reads this).
            throw new RequestTimeoutException(
                "body: the body arrived slower than the service's minimum rate (Recurrent:MinRequestBodyBytesPerSecond) and was cut off; send it faster.");
        }
        var bytes = new ReadOnlyMemory<byte>(body.GetBuffer(), 0, (int)body.Length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            throw NotUtf8(bytes.Span);
        try
        {
            RefuseDuplicateKeys(bytes.Span);
            return JsonSerializer.Deserialize<T>(bytes.Span, Options)
                ?? throw new BadRequestException(null, "The body must be a JSON object, not null.");
        }
        catch (JsonException e)
        {
            throw JsonErrors.Describe(e, typeof(T));
        }
    }

    /// <summary>A 400 naming the line and byte of the first byte that is not UTF-8.</summary>
    private static BadRequestException NotUtf8(ReadOnlySpan<byte> bytes)
    {
        int line = 1, lineStart = 0, i = 0;
        while (i < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[i..], out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                break;
            if (rune.Value == '\n')
            {
                line++;
                lineStart = i + 1;
            }
            i += consumed;
        }
        return new BadRequestException("body",
            $"body: not valid UTF-8 at line {line}, byte {i - lineStart + 1} (0x{bytes[i]:X2}); JSON must be UTF-8.");
    }

    /// <summary>Throws <see cref="BadRequestException"/> naming the path of the first key an object gives twice.</summary>
    internal static void RefuseDuplicateKeys(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = Options.MaxDepth });
        var frames = new List<Frame>();
        while (reader.Read())
        {
            var token = reader.TokenType;
            if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                frames.RemoveAt(frames.Count - 1);
                continue;
            }
            if (token == JsonTokenType.PropertyName)
            {
                var frame = frames[^1];
                frame.Property = reader.GetString()!;
                if (!frame.Keys!.Add(frame.Property))
                    throw new BadRequestException(PathOf(frames), $"{PathOf(frames)}: given more than once; give each field once.");
                continue;
            }
            if (frames.Count > 0 && frames[^1].Keys is null)
                frames[^1].Index++;
            if (token == JsonTokenType.StartObject)
                frames.Add(new Frame { Keys = new HashSet<string>(StringComparer.Ordinal) });
            else if (token == JsonTokenType.StartArray)
                frames.Add(new Frame());
        }
    }

    private static string PathOf(List<Frame> frames)
    {
        var path = new System.Text.StringBuilder();
        foreach (var frame in frames)
        {
            if (frame.Keys is null)
                path.Append('[').Append(frame.Index).Append(']');
            else if (frame.Property is not null)
                path.Append(path.Length == 0 ? "" : ".").Append(frame.Property);
        }
        return path.ToString();
    }

    /// <summary>An object (with its keys so far and the current one) or an array (with the current index) being read.</summary>
    private sealed class Frame
    {
        public HashSet<string>? Keys { get; init; }

        public string? Property { get; set; }

        public int Index { get; set; } = -1;
    }
}
