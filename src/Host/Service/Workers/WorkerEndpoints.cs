using Recurrent.Host.Service.Store.Postgres;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// GET /api/workers: the live workers of the fleet with their capacity and load (every worker seen within a
/// lease); the embedded store's single process lists itself.
/// </summary>
internal static class WorkerEndpoints
{
    public static void Map(RouteGroupBuilder reads) => reads.MapGet("/workers", (IServiceProvider services, WorkerIdentity self, WorkerLoad load) =>
    {
        var workers = services.GetService<PgWorkerStore>() is { } registry
            ? registry.Live().Select(w => View(w.Id, w.Concurrency, w.Active, w.Urls, w.StartedAt, w.SeenAt, w.Id == self.Id))
            : [View(self.Id, self.Concurrency, load.Active, "", null, DateTimeOffset.UtcNow, true)];
        return TypedResults.Ok(new { workers = workers.ToArray() });
    });

    private static Dictionary<string, object?> View(string id, int concurrency, int active, string urls,
        DateTimeOffset? startedAt, DateTimeOffset seenAt, bool self) => new()
        {
            ["id"] = id,
            ["concurrency"] = concurrency,
            ["active"] = active,
            ["urls"] = urls.Split(';', StringSplitOptions.RemoveEmptyEntries),
            ["started_at"] = startedAt,
            ["seen_at"] = seenAt,
            ["self"] = self,
        };
}
