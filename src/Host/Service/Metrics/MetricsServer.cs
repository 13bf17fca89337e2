using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;

namespace Recurrent.Host.Service.Metrics;

/// <summary>
/// A loopback HTTP server with only /metrics, for `recurrent train --metrics-port`, so a CLI training run can be
/// scraped by Prometheus. It is a minimal ASP.NET Core host with the same exporter middleware as the service.
/// </summary>
internal sealed class MetricsServer : IDisposable
{
    private readonly WebApplication _app;

    private MetricsServer(WebApplication app) => _app = app;

    /// <summary>The address the server listens on (useful with port 0).</summary>
    public Uri Address { get; private init; } = null!;

    public static MetricsServer Start(int port, TrainingMetrics metrics)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddTrainingMetrics(metrics);
        var app = builder.Build();
        app.MapTrainingMetrics(metrics);
        app.StartAsync().GetAwaiter().GetResult();
        return new MetricsServer(app) { Address = new Uri(app.Urls.First()) };
    }

    public void Dispose()
    {
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
