using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service;

/// <summary>GET /healthz: 200 while the store answers, with the run counts by state.</summary>
internal static class HealthEndpoint
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/healthz", (RunStore runs) =>
    {
        var counts = runs.CountStates();
        return TypedResults.Ok(new Dictionary<string, object?>
        {
            ["status"] = "ok",
            ["schema_version"] = SchemaMigrations.Latest,
            ["runs"] = new Dictionary<string, int>
            {
                ["queued"] = counts.Queued,
                ["running"] = counts.Running,
                ["succeeded"] = counts.Succeeded,
                ["failed"] = counts.Failed,
                ["cancelled"] = counts.Cancelled,
            },
        });
    });
}
