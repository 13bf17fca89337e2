using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recurrent.Host.Service.Api;

/// <summary>The one JSON dialect of the API: snake_case names, strict types, unknown fields refused.</summary>
internal static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        MaxDepth = 16,
        // {"hidden": 4, "hidden": 4000} must not mean whichever the parser kept.
        AllowDuplicateProperties = false,
    };

    /// <summary>Reads a whole request body as <typeparamref name="T"/>; every fault becomes a <see cref="BadRequestException"/> naming the field.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new BadRequestException(null, $"The body must be application/json, not {type}.", StatusCodes.Status415UnsupportedMediaType);
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken)
                ?? throw new BadRequestException(null, "The body must be a JSON object, not null.");
        }
        catch (JsonException e)
        {
            throw JsonErrors.Describe(e, typeof(T));
        }
    }
}
