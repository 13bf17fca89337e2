using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Postgres;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service.Sweeps;

/// <summary>/api/sweeps: queue a grid of runs together, and see them ranked with their gradient health.</summary>
internal static class SweepEndpoints
{
    public static void Map(RouteGroupBuilder reads, RouteGroupBuilder writes)
    {
        writes.MapPost("/sweeps", async (HttpRequest http, IServiceProvider services, StorageHealth storage,
                WorkQueue queue, RunStatePublisher states, CancellationToken cancellationToken) =>
            {
                var sweeps = Store(services);
                storage.EnsureWritable();
                var request = await ApiJson.ReadAsync<SweepRequest>(http, cancellationToken);
                var options = services.GetRequiredService<IOptions<ServiceOptions>>().Value;
                var sweep = new SweepQueue(sweeps, services.GetRequiredService<RunData>(), options).Queue(request);
                states.Publish();
                queue.Wake();
                return TypedResults.Created((string?)null, View(sweeps, sweep));
            })
            .WithTags("sweeps")
            .WithSummary("Queue a grid of runs (or a random sample of it) together; needs the PostgreSQL store")
            .Reads<SweepRequest>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status500InternalServerError);
        reads.MapGet("/sweeps", (IServiceProvider services) =>
            {
                var sweeps = services.GetService<PgSweepStore>();
                return TypedResults.Ok(new SweepList([.. (sweeps?.List() ?? []).Select(SweepView.Item)]));
            })
            .WithTags("sweeps")
            .WithSummary("Every sweep");
        reads.MapGet("/sweeps/{id}", (string id, IServiceProvider services) =>
            {
                var sweeps = Store(services);
                var sweep = sweeps.Get(RunIds.Parse(id)) ?? throw new NotFoundException("id", $"No sweep has id {id}.");
                return TypedResults.Ok(View(sweeps, sweep));
            })
            .WithTags("sweeps")
            .WithSummary("A sweep's runs ranked by validation loss, with each one's gradient health")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
    }

    private static SweepDetailView View(PgSweepStore sweeps, SweepRecord sweep) =>
        SweepView.Of(sweep, sweeps.Runs(sweep.Id), sweeps.Health(sweep.Id));

    // Sweeps are a fleet feature: their runs are queued together in PostgreSQL.
    private static PgSweepStore Store(IServiceProvider services) =>
        services.GetService<PgSweepStore>() ?? throw new ConflictException(null,
            "Sweeps need the PostgreSQL store: start the service with --postgres (or queue runs one by one with POST /api/runs).");
}
