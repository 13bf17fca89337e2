using System.Data.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service;

/// <summary>The answer of /healthz.</summary>
/// <param name="Status"><c>ok</c> or <c>degraded</c>.</param>
/// <param name="Store"><c>ok</c>, or why the store takes no writes.</param>
/// <param name="SchemaVersion">The store's schema version.</param>
/// <param name="Worker">This worker's id.</param>
/// <param name="Runs">The runs by state; null while the store does not answer.</param>
internal sealed record HealthView(string Status, string Store, int SchemaVersion, string Worker, Dictionary<string, int>? Runs);

/// <summary>
/// GET /healthz: 200 "ok" while the store answers, checked intact, and the data directory takes writes; 503
/// "degraded" with the reason while it does not (a damaged store, a full disk, or a fleet worker that lost its
/// PostgreSQL store), with the run counts by state whenever the store answers.
/// </summary>
internal static class HealthEndpoint
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/healthz", Health)
        .WithTags("health")
        .WithSummary("Health (503 \"degraded\" with the reason while the data directory takes no writes or a fleet worker cannot reach PostgreSQL) and run counts by state")
        .Produces<HealthView>(StatusCodes.Status503ServiceUnavailable);

    private static Results<Ok<HealthView>, JsonHttpResult<HealthView>> Health(RunStore runs, StorageHealth storage, FleetHealth fleet,
        StoreIntegrity integrity, WorkerIdentity worker)
    {
        RunStateCounts? counts = null;
        var problem = integrity.Problem ?? storage.Problem();
        try
        {
            counts = runs.CountStates();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (StoreIntegrity.IsDamage(e))
        {
            integrity.Found(e);
            problem = integrity.Problem;
        }
        catch (DbException e)
        {
            fleet.Lost(e);
        }
        problem ??= fleet.Problem;
        var view = new HealthView(problem is null ? "ok" : "degraded", problem ?? "ok", runs.SchemaVersion, worker.Id,
            counts is not { } c ? null : new Dictionary<string, int>
            {
                ["queued"] = c.Queued,
                ["running"] = c.Running,
                ["succeeded"] = c.Succeeded,
                ["failed"] = c.Failed,
                ["cancelled"] = c.Cancelled,
            });
        return problem is null ? TypedResults.Ok(view) : TypedResults.Json(view, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
