using System.Net;
using System.Net.Http.Headers;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Security;

/// <summary>Mutating endpoints need the bearer token; reads of /metrics, /healthz and the API stay open.</summary>
public sealed class AuthTests
{
    private const string RunBody = "{\"data\": \"adding:8\", \"count\": 16, \"hidden\": 4, \"epochs\": 1, \"batch\": 16}";

    [Fact]
    public async Task Mutations_need_the_right_token_and_reads_do_not()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir, token: ServiceProcess.TestToken);
        using var anonymous = new HttpClient { BaseAddress = service.Client.BaseAddress };
        using var wrong = new HttpClient { BaseAddress = service.Client.BaseAddress };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token-0123456789");

        foreach (var client in new[] { anonymous, wrong })
        {
            using var create = await client.PostAsync("/api/runs", ApiClient.Json(RunBody));
            Assert.Equal(HttpStatusCode.Unauthorized, create.StatusCode);
            Assert.Equal("Bearer", create.Headers.WwwAuthenticate.Single().Scheme);
            using var upload = await client.PostAsync("/api/datasets?name=a.jsonl", new StringContent("{\"label\":1,\"steps\":[1]}"));
            Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
            using var cancel = await client.PostAsync("/api/runs/1/cancel", null);
            Assert.Equal(HttpStatusCode.Unauthorized, cancel.StatusCode);
            using var predict = await client.PostAsync("/api/runs/1/predict", ApiClient.Json("{\"records\": []}"));
            Assert.Equal(HttpStatusCode.Unauthorized, predict.StatusCode);
        }
        Assert.Equal("{\"runs\":[]}", await anonymous.GetStringAsync("/api/runs"));
        Assert.Equal("{\"datasets\":[]}", await anonymous.GetStringAsync("/api/datasets"));
        Assert.Contains("recurrent_runs", await anonymous.GetStringAsync("/metrics"));
        Assert.Contains("\"status\":\"ok\"", await anonymous.GetStringAsync("/healthz"));

        var created = await service.Client.CreateRunAsync(RunBody);
        Assert.Equal(1, (long)created["id"]!);
        // A token given through the environment is never written to the data directory.
        Assert.False(File.Exists(Path.Combine(dataDir, "token")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Without_a_configured_token_one_is_generated_owner_only_printed_once_and_kept()
    {
        var dataDir = ServiceProcess.NewDataDir();
        string token;
        await using (var first = await ServiceProcess.StartAsync(dataDir, token: null))
        {
            var tokenFile = Path.Combine(dataDir, "token");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
            token = File.ReadAllText(tokenFile).Trim();
            Assert.Equal(64, token.Length);
            Assert.Contains(token, first.Output);
            first.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            await first.Client.CreateRunAsync(RunBody);
        }
        await using var second = await ServiceProcess.StartAsync(dataDir, token: null);
        Assert.DoesNotContain(token, second.Output);
        second.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await second.Client.CreateRunAsync(RunBody);
    }

    [Fact]
    public async Task A_non_loopback_address_without_a_configured_token_is_refused()
    {
        using var process = ServiceProcess.Start(ServiceProcess.NewDataDir(), "http://0.0.0.0:0", token: null, "--no-demo");
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Refusing to listen on http://0.0.0.0:0 without a configured token", stderr);
    }
}
