using System.Text.Json;
using Microsoft.Extensions.Options;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Host.Service.Metrics;
using Recurrent.Host.Service.Page;
using Recurrent.Host.Service.Predictions;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Service.Security;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Postgres;
using Recurrent.Host.Service.Store.Sqlite;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service;

/// <summary>Builds the service: configuration, the store, the worker, and the HTTP endpoints.</summary>
internal static class ServiceApp
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>What <c>recurrent serve</c> was given on its command line.</summary>
    public sealed record CommandLineSettings(string? Urls, string? DataDir, bool NoDemo, string[] ConfigurationArgs)
    {
        /// <summary><c>--postgres</c>: the fleet's PostgreSQL connection string.</summary>
        public string? Postgres { get; init; }

        /// <summary><c>--worker-id</c>.</summary>
        public string? WorkerId { get; init; }
    }

    public static WebApplication Build(CommandLineSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = settings.ConfigurationArgs,
            // appsettings.json ships beside recurrent.dll, wherever the service is started from.
            ContentRootPath = AppContext.BaseDirectory,
        });
        var overrides = new Dictionary<string, string?>();
        if (settings.DataDir is not null)
            overrides[$"{ServiceOptions.Section}:{nameof(ServiceOptions.DataDir)}"] = settings.DataDir;
        if (settings.NoDemo)
            overrides[$"{ServiceOptions.Section}:{nameof(ServiceOptions.Demo)}"] = "false";
        if (settings.Postgres is not null)
            overrides[$"{ServiceOptions.Section}:{nameof(ServiceOptions.Postgres)}"] = settings.Postgres;
        if (settings.WorkerId is not null)
            overrides[$"{ServiceOptions.Section}:{nameof(ServiceOptions.WorkerId)}"] = settings.WorkerId;
        builder.Configuration.AddInMemoryCollection(overrides);

        var options = builder.Configuration.GetSection(ServiceOptions.Section).Get<ServiceOptions>() ?? new ServiceOptions();
        if (string.IsNullOrWhiteSpace(options.Postgres))
            options.Postgres = Environment.GetEnvironmentVariable("RECURRENT_POSTGRES") is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        options.Validate();
        var urls = (settings.Urls ?? builder.Configuration["urls"] ?? DefaultUrls)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxUploadBytes + 64 * 1024);
        HostingDefenses.Add(builder, options, urls);

        var data = new DataDirectory(options.DataDir);
        HostingDefenses.OwnerOnly(data);
        var token = ServiceToken.Resolve(options.Token, data, urls);
        var worker = new WorkerIdentity(options.WorkerId ?? WorkerIdentity.DefaultId(), options.MaxConcurrentRuns,
            TimeSpan.FromSeconds(options.LeaseSeconds));
        var fresh = AddStore(builder.Services, options, data, worker);
        var defaults = new TrainingMetricsOptions();
        var metrics = new TrainingMetrics(new TrainingMetricsOptions
        {
            ClipThresholds = defaults.ClipThresholds.Concat(options.ClipThresholds).Distinct().Order().ToArray(),
        });
        var load = new WorkerLoad();
        var fleetHealth = new FleetHealth();
        var workerMetrics = options.Postgres is null ? null : new WorkerMetrics(worker, load, fleetHealth);
        builder.Services.AddTrainingMetrics(metrics,
            scopeInfo: builder.Configuration.GetValue<bool>("Recurrent:Metrics:ScopeInfo"),
            targetInfo: builder.Configuration.GetValue<bool>("Recurrent:Metrics:TargetInfo"),
            extra: workerMetrics?.Meter);

        var services = builder.Services;
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(data);
        services.AddSingleton(token);
        services.AddSingleton<BindingGuard>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(metrics);
        services.AddSingleton(worker);
        services.AddSingleton(load);
        services.AddSingleton(fleetHealth);
        if (workerMetrics is not null)
            services.AddSingleton(workerMetrics);
        services.AddSingleton<StorageHealth>();
        services.AddSingleton<StoreIntegrity>();
        services.AddHostedService(s => s.GetRequiredService<StoreIntegrity>());
        services.AddSingleton<EndedRunSummaries>();
        services.AddSingleton<RunData>();
        services.AddSingleton<LiveRuns>();
        // In a fleet, runs queued through other workers wake nobody here: the worker also looks every second.
        services.AddSingleton(new WorkQueue(options.Postgres is null ? null : TimeSpan.FromSeconds(1)));
        services.AddSingleton<RunStatePublisher>();
        services.AddSingleton<RunCheckpoints>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<EncoderDecoderRunTrainer>();
        services.AddSingleton<TrainingHold>();
        services.AddSingleton<UnrecordedEnds>();
        services.AddHostedService(s => s.GetRequiredService<UnrecordedEnds>());
        services.AddSingleton<PredictionEngines>();
        services.AddSingleton<PredictionLimiter>();
        services.AddSingleton<UploadSlots>();
        services.AddHostedService<TrainingWorker>();
        if (options.Postgres is not null)
            services.AddHostedService<FleetHeartbeat>();
        services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(60));
        services.AddProblemDetails();
        services.AddApiJson();
        services.AddApiDocumentation();

        var app = builder.Build();
        var guard = app.Services.GetRequiredService<BindingGuard>();
        app.Use(async (context, next) =>
        {
            // Nothing is served before the bound addresses passed the token rule (ServeCommand opens the guard).
            if (!guard.IsOpen)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
            await next(context);
        });
        HostingDefenses.Use(app);
        app.UseExceptionHandler();
        HostingDefenses.UseDeadline(app);
        app.UseStatusCodePages();
        Prepare(app, fresh, token, options);
        MapEndpoints(app);
        return app;
    }

    /// <summary>
    /// Registers the store: PostgreSQL when a connection string is configured (a fleet), else SQLite in the data
    /// directory. Returns whether the store is new (the demo runs go into a new one).
    /// </summary>
    private static bool AddStore(IServiceCollection services, ServiceOptions options, DataDirectory data, WorkerIdentity worker)
    {
        services.AddSingleton<DatasetStore>();
        services.AddSingleton<GradientStore>();
        services.AddSingleton<EventStore>();
        if (options.Postgres is { } connectionString)
        {
            var pg = new PgDatabase(connectionString, PgRunStore.ApplicationName(worker.Id), options.PostgresConnectTimeoutSeconds);
            var runs = new PgRunStore(pg, worker, TimeProvider.System);
            services.AddSingleton<RunFence, PgRunFence>();
            services.AddSingleton(pg);
            services.AddSingleton<StoreDatabase>(pg);
            services.AddSingleton(runs);
            services.AddSingleton<RunStore>(runs);
            services.AddSingleton<ArtifactStore, PgArtifacts>();
            services.AddSingleton<PgWorkerStore>();
            services.AddSingleton<PgSweepStore>();
            return runs.List().Count == 0;
        }
        var fresh = !File.Exists(data.Database);
        var sqlite = new SqliteDatabase(data.Database);
        services.AddSingleton<RunFence>();
        services.AddSingleton(sqlite);
        services.AddSingleton<StoreDatabase>(sqlite);
        services.AddSingleton<RunStore, SqliteRunStore>();
        services.AddSingleton<ArtifactStore, LocalArtifacts>();
        return fresh;
    }

    private static void Prepare(WebApplication app, bool fresh, ServiceToken token, ServiceOptions options)
    {
        var log = app.Logger;
        var runs = app.Services.GetRequiredService<RunStore>();
        if (token.Generated)
        {
            // Printed once, on the start that created it; later starts read it from the file.
            Console.WriteLine($"recurrent: API token (stored in {app.Services.GetRequiredService<DataDirectory>().TokenFile}, mode 0600):");
            Console.WriteLine(token.Value);
        }
        var (interrupted, crashLooping) = runs.RequeueInterrupted(options.MaxRunInterruptions);
        if (interrupted.Count > 0)
            log.LogInformation("Resuming interrupted runs {Ids} from their checkpoints", string.Join(", ", interrupted));
        var data = app.Services.GetRequiredService<DataDirectory>();
        foreach (var id in crashLooping)
            log.LogWarning("Run {Id} was interrupted {Times} times and is failed (its checkpoint is kept)", id, options.MaxRunInterruptions);
        data.RemoveTemporaryFiles(runs.List().Where(r => r.State is RunStates.Succeeded or RunStates.Cancelled).Select(r => r.Id));
        if (fresh && options.Demo)
        {
            foreach (var demo in DemoRuns.Requests)
                runs.Create(demo.Name, JsonSerializer.Serialize(demo, ApiJson.Options), demo: true);
            log.LogInformation("Queued the demo runs on temporal-order:100 (turn off with --no-demo)");
        }
        app.Services.GetRequiredService<RunStatePublisher>().Publish();
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapOpenApi();
        HealthEndpoint.Map(app);
        PageEndpoints.Map(app);
        app.MapTrainingMetrics(app.Services.GetRequiredService<TrainingMetrics>());
        // Any route: a request past its deadline (or a body too slow), a store damaged or unreachable; each route
        // declares its own refusals (400 where it reads a body or a query).
        var api = app.MapGroup("/api").AddEndpointFilter<ProblemFilter>()
            .ProducesProblems(StatusCodes.Status408RequestTimeout, StatusCodes.Status503ServiceUnavailable);
        var reads = api.MapGroup("");
        // Any write may also find the disk full.
        var writes = api.MapGroup("").RequireToken().ProducesProblems(StatusCodes.Status507InsufficientStorage);
        DatasetEndpoints.Map(reads, writes);
        RunEndpoints.Map(reads, writes);
        EncoderDecoderEndpoints.Map(reads);
        PredictEndpoints.Map(writes);
        WorkerEndpoints.Map(reads);
        Sweeps.SweepEndpoints.Map(reads, writes);
    }
}
