using Microsoft.OpenApi;
using Recurrent.Host.Service.Api;

namespace Recurrent.Host.Service.Security;

/// <summary>Lets a request through only with <c>Authorization: Bearer TOKEN</c> carrying the service's token.</summary>
internal sealed class BearerTokenFilter(ServiceToken token) : IEndpointFilter
{
    private const string Scheme = "Bearer ";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        if (header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && token.Matches(header[Scheme.Length..].Trim()))
            return await next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"recurrent\"";
        return Problems.Make(StatusCodes.Status401Unauthorized, header.Length == 0
            ? "This endpoint changes state and needs 'Authorization: Bearer TOKEN'; the token is in the data directory's 'token' file or the configuration (Recurrent:Token)."
            : "The bearer token is not the service's token.", null);
    }
}

/// <summary>The routes that change state: the token filter, its 401, and the bearer requirement in the document.</summary>
internal static class TokenRequirement
{
    public static RouteGroupBuilder RequireToken(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter<BearerTokenFilter>().ProducesProblems(StatusCodes.Status401Unauthorized);
        group.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiDocumentation.BearerScheme, context.Document)] = [] }];
            return Task.CompletedTask;
        });
        return group;
    }
}
