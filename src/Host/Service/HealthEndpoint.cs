using System.Data.Common;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service;

/// <summary>
/// GET /healthz: 200 "ok" while the store answers and the data directory takes writes; 503 "degraded" with the
/// reason while it does not (a full disk, or a fleet worker that lost its PostgreSQL store), with the run counts
/// by state whenever the store answers.
/// </summary>
internal static class HealthEndpoint
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/healthz", (RunStore runs, StorageHealth storage,
        FleetHealth fleet, WorkerIdentity worker) =>
    {
        RunStateCounts? counts = null;
        var problem = storage.Problem();
        try
        {
            counts = runs.CountStates();
        }
        catch (DbException e)
        {
            fleet.Lost(e);
        }
        problem ??= fleet.Problem;
        return Results.Json(new Dictionary<string, object?>
        {
            ["status"] = problem is null ? "ok" : "degraded",
            ["store"] = problem is null ? "ok" : problem,
            ["schema_version"] = runs.SchemaVersion,
            ["worker"] = worker.Id,
            ["runs"] = counts is not { } c ? null : new Dictionary<string, int>
            {
                ["queued"] = c.Queued,
                ["running"] = c.Running,
                ["succeeded"] = c.Succeeded,
                ["failed"] = c.Failed,
                ["cancelled"] = c.Cancelled,
            },
        }, statusCode: problem is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    });
}
