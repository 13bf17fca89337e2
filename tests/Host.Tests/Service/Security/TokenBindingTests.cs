using System.Diagnostics;
using System.Net;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Security;

/// <summary>
/// The service refuses to serve on a non-loopback address without a configured token, however the address is
/// configured: the command line, appsettings, environment variables, and Kestrel's endpoint sections of each.
/// </summary>
public sealed class TokenBindingTests
{
    [Fact]
    public async Task Kestrel_endpoints_on_the_command_line_are_checked()
    {
        var port = ServiceProcess.FreePort();
        await ExpectRefusedAsync(port, new Dictionary<string, string>(), $"--Kestrel:Endpoints:e:Url=http://0.0.0.0:{port}");
    }

    [Fact]
    public async Task Kestrel_endpoints_in_environment_variables_are_checked()
    {
        var port = ServiceProcess.FreePort();
        await ExpectRefusedAsync(port, new Dictionary<string, string> { ["Kestrel__Endpoints__e__Url"] = $"http://*:{port}" });
    }

    [Fact]
    public async Task Kestrel_endpoints_in_appsettings_are_checked()
    {
        var port = ServiceProcess.FreePort();
        // appsettings.{Environment}.json beside recurrent.dll, as an operator would deploy it.
        var environment = $"AbuseTest{Guid.NewGuid():N}";
        var file = Path.Combine(AppContext.BaseDirectory, $"appsettings.{environment}.json");
        File.WriteAllText(file, "{\"Kestrel\": {\"Endpoints\": {\"lan\": {\"Url\": \"http://0.0.0.0:" + port + "\"}}}}");
        try
        {
            await ExpectRefusedAsync(port, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = environment });
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Urls_in_the_environment_are_checked()
    {
        var port = ServiceProcess.FreePort();
        // No --urls: the harness's own address would win, so this start goes through the generic process start.
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { ServiceProcess.RecurrentDll, "serve", "--data-dir", ServiceProcess.NewDataDir(), "--no-demo" })
            info.ArgumentList.Add(arg);
        info.Environment.Remove("RECURRENT_TOKEN");
        info.Environment["ASPNETCORE_URLS"] = $"http://0.0.0.0:{port}";
        using var process = Process.Start(info)!;
        await AssertRefusedAsync(process, $"http://0.0.0.0:{port}");
    }

    [Fact]
    public async Task With_a_configured_token_a_kestrel_endpoint_on_all_interfaces_serves()
    {
        var port = ServiceProcess.FreePort();
        using var process = ServiceProcess.Start(ServiceProcess.NewDataDir(), "http://127.0.0.1:1", ServiceProcess.TestToken,
            new Dictionary<string, string>(), "--no-demo", $"--Kestrel:Endpoints:e:Url=http://0.0.0.0:{port}");
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode? status = null;
            while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    using var response = await client.GetAsync("/healthz");
                    status = response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }
            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task ExpectRefusedAsync(int port, Dictionary<string, string> environment, params string[] args)
    {
        using var process = ServiceProcess.Start(ServiceProcess.NewDataDir(), "http://127.0.0.1:1", token: null, environment,
            ["--no-demo", .. args]);
        await AssertRefusedAsync(process, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task AssertRefusedAsync(Process process, string address)
    {
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the service kept running on a non-loopback address without a token:\n{await stdout}");
        }
        Assert.Equal(2, process.ExitCode);
        var message = await stderr;
        Assert.Contains("Refusing to listen on http://", message, StringComparison.Ordinal);
        Assert.Contains(address, message, StringComparison.Ordinal);
        Assert.Contains("without a configured token", message, StringComparison.Ordinal);
    }
}
