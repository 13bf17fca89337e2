using Recurrent.Host.Service.Store.Postgres;

namespace Recurrent.Host.Service.Workers;

/// <summary>A worker of the fleet with its capacity and load.</summary>
/// <param name="Id">The worker's id (<c>--worker-id</c>).</param>
/// <param name="Concurrency">The runs it trains at once at most.</param>
/// <param name="Active">The runs it trains now.</param>
/// <param name="Urls">The addresses its API answers on.</param>
/// <param name="StartedAt">When it started (null for this process outside a fleet).</param>
/// <param name="SeenAt">When it last renewed its presence.</param>
/// <param name="Self">Whether it is the worker that answered.</param>
internal sealed record WorkerView(string Id, int Concurrency, int Active, string[] Urls, DateTimeOffset? StartedAt,
    DateTimeOffset SeenAt, bool Self);

/// <summary>GET /api/workers.</summary>
internal sealed record WorkerList(WorkerView[] Workers);

/// <summary>
/// GET /api/workers: the live workers of the fleet with their capacity and load (every worker seen within a
/// lease); the embedded store's single process lists itself.
/// </summary>
internal static class WorkerEndpoints
{
    public static void Map(RouteGroupBuilder reads) => reads.MapGet("/workers", (IServiceProvider services, WorkerIdentity self, WorkerLoad load) =>
        {
            var workers = services.GetService<PgWorkerStore>() is { } store
                ? store.Live().Select(w => new WorkerView(w.Id, w.Concurrency, w.Active, Urls(w.Urls), w.StartedAt, w.SeenAt, w.Id == self.Id))
                : [new WorkerView(self.Id, self.Concurrency, load.Active, [], null, DateTimeOffset.UtcNow, true)];
            return TypedResults.Ok(new WorkerList([.. workers]));
        })
        .WithTags("workers")
        .WithSummary("The live workers of the fleet (seen within a lease) with capacity and load; alone, this process");

    private static string[] Urls(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries);
}
