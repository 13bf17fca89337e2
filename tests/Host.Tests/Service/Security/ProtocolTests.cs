using System.Diagnostics;
using System.Net;
using System.Text;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Security;

/// <summary>
/// The service as a web server: it answers only the Host names it is reached by (DNS rebinding), its page cannot be
/// framed or run foreign scripts, every file it writes is its owner's alone, uploads must be UTF-8, and a token too
/// weak to guard an open address keeps it from binding one.
/// </summary>
public sealed class ProtocolTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Hosts_headers_file_modes_and_text_encoding_are_enforced()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir);
        var client = service.Client;

        // A page on evil.example rebinding its name to 127.0.0.1: its requests carry Host: evil.example.
        foreach (var path in new[] { "/", "/api/runs", "/api/datasets" })
        {
            using var rebound = new HttpRequestMessage(HttpMethod.Get, path);
            rebound.Headers.Host = "evil.example";
            using var refused = await client.SendAsync(rebound);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        using (var named = new HttpRequestMessage(HttpMethod.Get, "/healthz"))
        {
            named.Headers.Host = $"localhost:{service.Port}";
            using var served = await client.SendAsync(named);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        using (var page = await client.GetAsync("/"))
        {
            var policy = string.Join(" ", page.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
            Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        }

        // "café crème" saved as Latin-1: refused where the first such byte is, not read as "caf", "cr", "me".
        var latin1 = Encoding.Latin1.GetBytes("label,text\npos,café crème\n");
        await Expect.ProblemAsync(client.PostAsync("/api/datasets?name=latin.csv", new ByteArrayContent(latin1)), 400, "body",
            "latin.csv, line 2, byte 8: not valid UTF-8 (byte 0xE9");
        using (var utf8 = await client.PostAsync("/api/datasets?name=ok.csv", new ByteArrayContent(Encoding.UTF8.GetBytes("label,text\npos,café crème\nneg,bof\n"))))
            Assert.Equal(HttpStatusCode.Created, utf8.StatusCode);

        var run = await client.CreateRunAsync(new { dataset_id = 1, hidden = 4, epochs = 1 });
        await client.WaitStateAsync((long)run["id"]!, "succeeded");
        const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode Folder = File | UnixFileMode.UserExecute;
        foreach (var path in new[] { "recurrent.db", "datasets/1.csv", $"runs/{run["id"]}/model.bin", $"runs/{run["id"]}/model.onnx" })
            Assert.Equal((path, File), (path, System.IO.File.GetUnixFileMode(Path.Combine(dataDir, path))));
        foreach (var path in new[] { "", "datasets", "runs", $"runs/{run["id"]}" })
            Assert.Equal((path, Folder), (path, System.IO.File.GetUnixFileMode(Path.Combine(dataDir, path))));
    }

    [Fact]
    public async Task A_token_of_too_little_entropy_cannot_guard_an_open_address()
    {
        using var process = ServiceProcess.Start(ServiceProcess.NewDataDir(), "http://0.0.0.0:0", token: "x", "--no-demo");
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("has about 2 bits of entropy, and a token must have at least 128 to guard an address beyond loopback", await stderr,
            StringComparison.Ordinal);
        // The same weak token is fine on loopback, where only this machine's users reach the service.
        await using var local = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), token: "x");
    }
}
