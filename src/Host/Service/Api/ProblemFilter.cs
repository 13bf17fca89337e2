namespace Recurrent.Host.Service.Api;

/// <summary>Turns an <see cref="ApiProblemException"/> (or a full disk) thrown by any endpoint of a group into its problem response.</summary>
internal sealed class ProblemFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ApiProblemException e)
        {
            return Problems.Of(e);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits (body size, a client that stops sending) surface here while the body is read.
            return Problems.Make(e.StatusCode, $"body: {e.Message}", "body");
        }
        catch (Exception e) when (Store.StoreIntegrity.IsDamage(e))
        {
            // Found by the statement: /healthz says so from now on, and the client learns why rather than a bare 500.
            var integrity = context.HttpContext.RequestServices.GetRequiredService<Store.StoreIntegrity>();
            integrity.Found(e);
            return Problems.Make(StatusCodes.Status503ServiceUnavailable, $"The service's store is damaged: {integrity.Problem}.", null);
        }
        catch (Exception e) when (Store.Postgres.PgOutage.Is(e))
        {
            // A fleet's database that is away or overloaded: nothing was committed, so the client may retry.
            context.HttpContext.Response.Headers.RetryAfter = "5";
            return Problems.Make(StatusCodes.Status503ServiceUnavailable,
                $"The fleet's PostgreSQL store cannot serve the request now ({e.Message}); nothing was stored. Retry shortly.", null);
        }
        catch (Exception e) when (Store.StorageHealth.IsDiskFull(e))
        {
            // The store or a file write ran out of space: nothing was committed (writes are transactions or atomic
            // renames), so the client may retry once space is back.
            return Problems.Make(StatusCodes.Status507InsufficientStorage,
                "The data directory's disk is full; nothing was stored. Free space and retry.", null);
        }
    }
}
