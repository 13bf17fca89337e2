using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service;

/// <summary>
/// GET /healthz: 200 "ok" while the store answers and the data directory takes writes; 503 "degraded" with the
/// reason while it does not (a full disk), with the run counts by state either way.
/// </summary>
internal static class HealthEndpoint
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/healthz", (RunStore runs, StorageHealth storage) =>
    {
        var counts = runs.CountStates();
        var problem = storage.Problem();
        return Results.Json(new Dictionary<string, object?>
        {
            ["status"] = problem is null ? "ok" : "degraded",
            ["store"] = problem is null ? "ok" : problem,
            ["schema_version"] = SchemaMigrations.Latest,
            ["runs"] = new Dictionary<string, int>
            {
                ["queued"] = counts.Queued,
                ["running"] = counts.Running,
                ["succeeded"] = counts.Succeeded,
                ["failed"] = counts.Failed,
                ["cancelled"] = counts.Cancelled,
            },
        }, statusCode: problem is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    });
}
