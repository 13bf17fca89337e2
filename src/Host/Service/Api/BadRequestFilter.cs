namespace Recurrent.Host.Service.Api;

/// <summary>Turns a <see cref="BadRequestException"/> thrown by any endpoint of a group into its problem response.</summary>
internal sealed class BadRequestFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (BadRequestException e)
        {
            return Problems.Of(e);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits (body size, a client that stops sending) surface here while the body is read.
            return Problems.Make(e.StatusCode, $"body: {e.Message}", "body");
        }
    }
}
