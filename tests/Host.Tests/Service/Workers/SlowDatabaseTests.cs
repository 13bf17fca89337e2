using System.Net;
using Npgsql;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Workers;

/// <summary>
/// A fleet's PostgreSQL that is loaded but healthy (every new connection answered only after 7 s) is not taken for
/// down: the connect timeout (<c>Recurrent:PostgresConnectTimeoutSeconds</c>, default 15 s; it was 5 s) gives it
/// the time, and the option is the one the worker uses.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SlowDatabaseTests(PostgresCluster cluster)
{
    private static readonly TimeSpan SlowAccept = TimeSpan.FromSeconds(7);

    [Fact]
    public async Task A_worker_on_a_database_that_accepts_late_starts_healthy_and_trains()
    {
        await using var proxy = Proxy(cluster.NewDatabase(), out var database);
        await using var worker = await FleetProcess.StartWorkerAsync(database, "patient");
        var id = (long)(await worker.Client.CreateRunAsync(FleetProcess.Quick("slow-store")))["id"]!;
        Assert.Equal("succeeded", (string?)(await worker.Client.WaitStateAsync(id, "succeeded", 300))["state"]);
        using var health = await worker.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("recurrent_worker_store_up{worker=\"patient\"} 1", await worker.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
        Assert.DoesNotContain("cannot be reached", worker.Output, StringComparison.Ordinal);
        Assert.True(proxy.Connections > 0, "the worker did not go through the slow proxy");
    }

    [Fact]
    public async Task A_connect_timeout_shorter_than_the_database_takes_fails_the_start_naming_the_store()
    {
        await using var proxy = Proxy(cluster.NewDatabase(), out var database);
        using var process = ServiceProcess.Start(ServiceProcess.NewDataDir(), $"http://127.0.0.1:{ServiceProcess.FreePort()}",
            ServiceProcess.TestToken, "--no-demo", "--postgres", database, "--Recurrent:PostgresConnectTimeoutSeconds=2");
        var output = process.StandardError.ReadToEndAsync();
        var standard = process.StandardOutput.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(bound.Token);
        var text = await output + await standard;
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains($"PostgreSQL at 127.0.0.1:{proxy.Port}", text, StringComparison.Ordinal);
        Assert.Contains("no answer within 2 s (Recurrent:PostgresConnectTimeoutSeconds", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_connect_timeout_is_checked()
    {
        using var process = ServiceProcess.Start(ServiceProcess.NewDataDir(), $"http://127.0.0.1:{ServiceProcess.FreePort()}",
            ServiceProcess.TestToken, "--no-demo", "--Recurrent:PostgresConnectTimeoutSeconds=0");
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(bound.Token);
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("Recurrent:PostgresConnectTimeoutSeconds must be 1 to 1024, not 0", await error, StringComparison.Ordinal);
    }

    /// <summary>A proxy to the cluster that answers each new connection late; <paramref name="viaProxy"/> reaches the database through it.</summary>
    private static SlowAcceptProxy Proxy(string direct, out string viaProxy)
    {
        var builder = new NpgsqlConnectionStringBuilder(direct);
        var proxy = new SlowAcceptProxy(builder.Host!, builder.Port, SlowAccept);
        builder.Host = "127.0.0.1";
        builder.Port = proxy.Port;
        viaProxy = builder.ConnectionString;
        return proxy;
    }
}
