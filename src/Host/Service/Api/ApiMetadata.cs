using Microsoft.OpenApi;

namespace Recurrent.Host.Service.Api;

/// <summary>
/// What routes declare about themselves beyond ASP.NET Core's own <c>WithSummary</c>, <c>WithTags</c> and
/// <c>Produces</c>: the problem+json answers they can give, and the bodies and query parameters their handlers parse
/// themselves (for errors naming the field). The OpenAPI generator reads it all from the routes.
/// </summary>
internal static class ApiMetadata
{
    public const string ProblemContentType = "application/problem+json";

    /// <summary>The problem+json answers a route (or every route of a group) can give, each with the field at fault.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ProblemView), [ProblemContentType]));
        return builder;
    }

    /// <summary>
    /// The body the handler reads itself (for errors naming the field), as the document shows it. Not ASP.NET Core's
    /// <c>Accepts</c>: that also routes by content type, which would answer a wrong one with the framework's bare
    /// 415 instead of the handler's message, and refuse an upload that curl sends as a form.
    /// </summary>
    public static RouteHandlerBuilder Reads<T>(this RouteHandlerBuilder builder, string contentType = "application/json") =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [contentType] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken) },
                },
            };
        });

    /// <summary>Query parameters the handler reads from the query string itself, in this order.</summary>
    public static RouteHandlerBuilder WithQuery(this RouteHandlerBuilder builder, params QueryParameter[] parameters) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            foreach (var p in parameters)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = p.Name,
                    In = ParameterLocation.Query,
                    Description = p.Description,
                    Schema = new OpenApiSchema { Type = p.Type },
                });
            }
            return Task.CompletedTask;
        });
}

/// <summary>A query parameter as the document shows it.</summary>
internal sealed record QueryParameter(string Name, JsonSchemaType Type, string Description);
