using System.ComponentModel;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Recurrent.Host.Tests.Service.Page;

/// <summary>
/// Debian's Chromium, headless, driven over the Chrome DevTools Protocol on a loopback port: the real browser, no
/// driver package in between. A missing browser fails the test (it is installed by scripts/setup.sh).
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Where Debian installs it; RECURRENT_CHROMIUM points elsewhere.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("RECURRENT_CHROMIUM") ?? "/usr/bin/chromium";

    private readonly Process _process;
    private readonly string _profile;

    private HeadlessChromium(Process process, string profile, CdpSession page)
    {
        _process = process;
        _profile = profile;
        Page = page;
    }

    /// <summary>The one tab, as a DevTools session.</summary>
    public CdpSession Page { get; }

    public static async Task<HeadlessChromium> StartAsync(int width, int height)
    {
        var profile = Directory.CreateTempSubdirectory("recurrent-chromium-").FullName;
        var info = new ProcessStartInfo(Executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        // The flags known to work here: no sandbox as root, and no background connections, which this machine's
        // closed network refuses (many at a time) and which would only slow the start.
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            $"--user-data-dir={profile}", $"--window-size={width},{height}", "--remote-debugging-port=0", "about:blank",
        })
            info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"Cannot start {Executable} ({e.Message}); scripts/setup.sh installs Debian's chromium.", e);
        }
        // Drained so Chromium never blocks on a full pipe; nothing in it is needed.
        _ = process.StandardOutput.ReadToEndAsync();
        try
        {
            var port = await DevToolsPortAsync(process);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var targets = await http.GetFromJsonAsync<JsonArray>("/json/list");
            var tab = targets!.First(t => (string?)t!["type"] == "page")!;
            var page = await CdpSession.ConnectAsync(new Uri((string)tab["webSocketDebuggerUrl"]!));
            return new HeadlessChromium(process, profile, page);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> and waits for its load event.</summary>
    public async Task NavigateAsync(string url)
    {
        await Page.SendAsync("Page.enable");
        var loaded = Page.NextEventAsync("Page.loadEventFired");
        await Page.SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await loaded.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>The value of a JavaScript expression in the page (promises awaited); a thrown error fails the test.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await Page.SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
        });
        if (result["exceptionDetails"] is { } error)
            throw new InvalidOperationException($"{expression}\nthrew {error.ToJsonString()}");
        return result["result"]!["value"];
    }

    /// <summary>Polls <paramref name="expression"/> until it is true; on timeout fails with <paramref name="describe"/>'s value.</summary>
    public async Task WaitForAsync(string expression, TimeSpan timeout, string describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await EvaluateAsync(expression) is JsonValue value && value.GetValue<bool>())
                return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"Waited {timeout.TotalSeconds} s for {expression}; the page shows {(await EvaluateAsync(describe))?.ToJsonString()}");
    }

    /// <summary>A PNG of the whole page, not only the window.</summary>
    public async Task ScreenshotAsync(string path)
    {
        var shot = await Page.SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String((string)shot["data"]!));
    }

    public async ValueTask DisposeAsync()
    {
        await Page.DisposeAsync();
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium's helpers may still hold files for a moment; the profile is in the temp folder anyway.
        }
    }

    /// <summary>Chromium chose a free port (--remote-debugging-port=0) and says which on stderr.</summary>
    private static async Task<int> DevToolsPortAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new List<string>();
        while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.Add(line);
            if (DevToolsLine().Match(line) is { Success: true } match)
            {
                // Keep draining stderr so Chromium never blocks on a full pipe.
                _ = process.StandardError.ReadToEndAsync();
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"{Executable} exited before opening DevTools:\n{string.Join('\n', seen)}");
    }

    [GeneratedRegex(@"DevTools listening on ws://127\.0\.0\.1:(\d+)/")]
    private static partial Regex DevToolsLine();
}
