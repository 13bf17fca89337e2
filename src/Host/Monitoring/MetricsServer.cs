using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Recurrent.Diagnostics.Exposition;

namespace Recurrent.Host.Monitoring;

/// <summary>
/// A loopback HTTP server with only /metrics, for `recurrent train --metrics-port`, so a CLI training run can be
/// scraped by Prometheus. The service maps the same endpoint into its own application.
/// </summary>
internal sealed class MetricsServer : IDisposable
{
    private readonly WebApplication _app;

    private MetricsServer(WebApplication app) => _app = app;

    public static MetricsServer Start(int port, MetricsCollector collector)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        MapMetrics(app, collector);
        app.StartAsync().GetAwaiter().GetResult();
        return new MetricsServer(app);
    }

    /// <summary>GET /metrics in the format the Accept header asks for (Prometheus text 0.0.4 or OpenMetrics 1.0).</summary>
    public static void MapMetrics(IEndpointRouteBuilder app, MetricsCollector collector) => app.MapGet("/metrics", (HttpContext context) =>
    {
        var negotiated = ContentNegotiation.Negotiate(context.Request.Headers.Accept.ToString());
        return Results.Bytes(collector.Collect(negotiated.Format), negotiated.ContentType);
    });

    public void Dispose()
    {
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
