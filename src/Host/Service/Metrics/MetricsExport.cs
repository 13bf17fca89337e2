using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using OpenTelemetry.Metrics;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;

namespace Recurrent.Host.Service.Metrics;

/// <summary>
/// GET /metrics through OpenTelemetry's Prometheus exporter (ASP.NET Core middleware), for the service and for
/// `recurrent train --metrics-port` alike: Prometheus text 0.0.4, or OpenMetrics 1.0 when the Accept header asks.
/// </summary>
internal static class MetricsExport
{
    public const string Path = "/metrics";

    /// <summary>
    /// Adds the OpenTelemetry SDK with the Prometheus exporter over <paramref name="metrics"/>' meters only (other
    /// instances in the process share the meter name). No response cache: a scrape right after a step must see it.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="metrics">The instruments to export.</param>
    /// <param name="scopeInfo">Label every series with <c>otel_scope_*</c> (off: the contract has none).</param>
    /// <param name="targetInfo">Export <c>target_info</c> (off: it is not in the contract).</param>
    /// <param name="extra">One more meter to export whole (a fleet worker's load gauges), or null.</param>
    public static void AddTrainingMetrics(this IServiceCollection services, TrainingMetrics metrics,
        bool scopeInfo = false, bool targetInfo = false, System.Diagnostics.Metrics.Meter? extra = null)
    {
        services.AddOpenTelemetry().WithMetrics(builder => builder
            .AddMeter(MetricNames.MeterName)
            .AddMeter(extra?.Name ?? MetricNames.MeterName)
            .AddView(instrument => metrics.Owns(instrument.Meter) || (extra is not null && instrument.Meter == extra)
                ? null
                : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter(exporter =>
            {
                exporter.ScrapeResponseCacheDurationMilliseconds = 0;
                exporter.ScopeInfoEnabled = scopeInfo;
                exporter.TargetInfoEnabled = targetInfo;
            }));
    }

    /// <summary>Maps GET /metrics; finished runs past their retention are removed just before each scrape.</summary>
    public static void MapTrainingMetrics(this IEndpointRouteBuilder app, TrainingMetrics metrics) =>
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use((context, next) =>
        {
            metrics.RemoveExpiredRuns();
            return next(context);
        }), optionsName: null)
        // The exporter maps every method; declaring GET makes other methods a 405 and lets the API description see it.
        .WithMetadata(new HttpMethodMetadata(["GET"]));

    /// <summary>
    /// GET /metrics in the OpenAPI document: the exporter is middleware, not a route handler, so the generator
    /// cannot see it.
    /// </summary>
    public static void Describe(OpenApiDocument document)
    {
        var text = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        var operation = new OpenApiOperation
        {
            Summary = "Prometheus text 0.0.4, or OpenMetrics 1.0 when Accept asks for application/openmetrics-text",
            Tags = new HashSet<OpenApiTagReference> { new("metrics", document) },
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse
                {
                    Description = "The metrics of every run the service trains or trained within the retention window",
                    Content = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = text },
                },
            },
        };
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = "metrics" });
        document.Paths ??= new OpenApiPaths();
        document.Paths[Path] = new OpenApiPathItem { Operations = new() { [HttpMethod.Get] = operation } };
    }
}
