using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Recurrent.Host.Service.Store.Postgres;

namespace Recurrent.Host.Service.Workers;

/// <summary>A worker of the fleet with its capacity and load.</summary>
/// <param name="Id">The worker's id (<c>--worker-id</c>).</param>
/// <param name="Concurrency">The runs it trains at once at most (<c>MaxConcurrentRuns</c>; the demo runs train beside them).</param>
/// <param name="Active">Every run it trains now, the demo runs included: the runs <c>running</c> on it.</param>
/// <param name="Urls">The addresses its API listens on.</param>
/// <param name="StartedAt">When it started serving as a worker.</param>
/// <param name="SeenAt">When it last renewed its presence; another worker's load and addresses are as of then.</param>
/// <param name="Self">Whether it is the worker that answered (its load and addresses are as of the request).</param>
internal sealed record WorkerView(string Id, int Concurrency, int Active, string[] Urls, DateTimeOffset StartedAt,
    DateTimeOffset SeenAt, bool Self);

/// <summary>GET /api/workers.</summary>
internal sealed record WorkerList(WorkerView[] Workers);

/// <summary>
/// GET /api/workers: the live workers of the fleet with their capacity and load (every worker seen within a
/// lease); the embedded store's single process lists itself. The answering worker reports its own load and
/// addresses as they are now; the others as of their last heartbeat.
/// </summary>
internal static class WorkerEndpoints
{
    public static void Map(RouteGroupBuilder reads) => reads.MapGet("/workers", (IServiceProvider services, WorkerIdentity self, WorkerLoad load, IServer server) =>
        {
            var urls = ListenAddresses(server);
            var workers = services.GetService<PgWorkerStore>() is { } store
                ? store.Live().Select(w => w.Id == self.Id
                    ? new WorkerView(w.Id, w.Concurrency, load.Active, urls, w.StartedAt, w.SeenAt, true)
                    : new WorkerView(w.Id, w.Concurrency, w.Active, Urls(w.Urls), w.StartedAt, w.SeenAt, false))
                : [new WorkerView(self.Id, self.Concurrency, load.Active, urls, self.StartedAt, DateTimeOffset.UtcNow, true)];
            return TypedResults.Ok(new WorkerList([.. workers]));
        })
        .WithTags("workers")
        .WithSummary("The live workers of the fleet (seen within a lease) with capacity and load; alone, this process");

    /// <summary>The addresses the server listens on (the bound port where it was given as 0); empty before it listens.</summary>
    public static string[] ListenAddresses(IServer server) => [.. server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []];

    private static string[] Urls(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries);
}
