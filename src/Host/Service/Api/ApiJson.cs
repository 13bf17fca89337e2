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

    /// <summary>Reads a whole request body as <typeparamref name="T"/>; every fault becomes a <see cref="BadRequestException"/> naming the field.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new UnsupportedMediaTypeException($"The body must be application/json, not {type}.");
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
