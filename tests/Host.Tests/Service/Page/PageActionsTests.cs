using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Page;

/// <summary>
/// What a user does from the page, in headless Chromium against a real `recurrent serve`: give the token (a wrong
/// one is refused with a 401 that the page shows), upload a dataset, start a run and watch it to the end, download
/// its model, start another and cancel it.
/// </summary>
public sealed class PageActionsTests(ITestOutputHelper output)
{
    private const string Describe = """
        ({ result: document.querySelector('[data-testid=start-result]').textContent,
           upload: document.querySelector('[data-testid=upload-result]').textContent,
           action: document.querySelector('[data-testid=run-action-result]').textContent,
           dialog: document.querySelector('[data-testid=token-dialog]').open,
           reason: document.getElementById('token-reason').textContent,
           runs: document.querySelector('[data-testid=run-list]').innerText,
           banner: document.querySelector('[data-testid=error-banner]').hidden ? null : document.querySelector('[data-testid=error-banner]').textContent })
        """;

    [Fact]
    public async Task Start_watch_download_and_cancel_from_the_page()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        await using var browser = await HeadlessChromium.StartAsync(1400, 1700);
        await browser.NavigateAsync($"http://127.0.0.1:{service.Port}/");
        await browser.WaitForAsync("document.querySelector('[data-testid=status]').textContent.startsWith('live')", TimeSpan.FromSeconds(10), Describe);

        // Upload: the first write asks for the token; a wrong one is refused and the page says so, then asks again.
        var file = Path.Combine(service.DataDir, "..", $"sign-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Range(0, 40).Select(i =>
            $"{{\"label\":\"{(i % 2 == 0 ? "pos" : "neg")}\",\"steps\":[[{(i % 2 == 0 ? 1 : -1)},0.5],[0.1,{i % 3}]]}}\n")));
        await SetFileAsync(browser, "#upload-file", Path.GetFullPath(file));
        await browser.EvaluateAsync("document.querySelector('#upload-form button').click()");
        await GiveTokenAsync(browser, "not-the-token");
        await browser.WaitForAsync("document.getElementById('token-reason').textContent.includes('refused the token (401')",
            TimeSpan.FromSeconds(10), Describe);
        await GiveTokenAsync(browser, ServiceProcess.TestToken);
        await browser.WaitForAsync("document.querySelector('[data-testid=upload-result]').textContent.includes('40 sequences')",
            TimeSpan.FromSeconds(15), Describe);
        // Kept for the tab only: in sessionStorage, not in the URL or a cookie.
        Assert.Equal(ServiceProcess.TestToken, (string?)await browser.EvaluateAsync("sessionStorage.getItem('recurrent.token')"));
        Assert.Equal("", (string?)await browser.EvaluateAsync("document.cookie"));
        Assert.DoesNotContain(ServiceProcess.TestToken, (string)(await browser.EvaluateAsync("location.href"))!, StringComparison.Ordinal);

        // Start a short run on the uploaded dataset; the page opens it and shows it to the end.
        await FillAsync(browser, new()
        {
            ["name"] = "page-short",
            ["cell"] = "gru",
            ["hidden_size"] = "6",
            ["epochs"] = "3",
            ["learning_rate"] = "0.01",
            ["count"] = "",
            ["dilations"] = "1, 2",
        });
        await browser.EvaluateAsync("document.getElementById('source-dataset').checked = true");
        await browser.EvaluateAsync("document.querySelector('[data-testid=start-run]').click()");
        await browser.WaitForAsync("document.querySelector('[data-testid=start-result]').textContent.includes('queued')", TimeSpan.FromSeconds(10), Describe);
        var shortId = await RunIdAsync(service, "page-short");
        var shortRequest = (await service.Client.GetRunAsync(shortId))["request"]!;
        Assert.Equal(1L, (long?)shortRequest["dataset_id"]);
        Assert.Equal([1, 2], shortRequest["dilations"]!.AsArray().Select(d => (int)d!));
        await browser.WaitForAsync("document.querySelector('[data-testid=run-title]').textContent.includes('page-short')", TimeSpan.FromSeconds(10), Describe);
        await browser.WaitForAsync("document.getElementById('run-meta').textContent.includes('dilations 1, 2')", TimeSpan.FromSeconds(10), Describe);
        await browser.WaitForAsync("document.querySelector('[data-testid=download-onnx]') !== null", TimeSpan.FromSeconds(60), Describe);

        // Download: the link's bytes are the service's model.onnx; the ML.NET zip is linked beside it.
        var downloaded = (await browser.EvaluateAsync("""
            (async () => {
              const link = document.querySelector('[data-testid=download-onnx]');
              const response = await fetch(link.href);
              const bytes = new Uint8Array(await response.arrayBuffer());
              return { status: response.status, length: bytes.length, sum: bytes.reduce((s, b) => (s * 31 + b) % 1000000007, 0) };
            })()
            """))!;
        var onnx = await service.Client.GetByteArrayAsync($"/api/runs/{shortId}/model.onnx");
        Assert.Equal(200, (int)downloaded["status"]!);
        Assert.Equal(onnx.Length, (int)downloaded["length"]!);
        Assert.Equal(onnx.Aggregate(0L, (s, b) => (s * 31 + b) % 1000000007), (long)downloaded["sum"]!);
        Assert.Equal($"/api/runs/{shortId}/model.zip",
            (string?)await browser.EvaluateAsync("new URL(document.querySelector('[data-testid=download-zip]').href).pathname"));

        // Start a long run on a built-in task (the token is kept: no dialog), watch it train, cancel it.
        await FillAsync(browser, new()
        {
            ["name"] = "page-long",
            ["data"] = "temporal-order:30",
            ["count"] = "4000",
            ["cell"] = "rnn",
            ["hidden_size"] = "16",
            ["epochs"] = "500",
            ["clip_norm"] = "1",
            ["dilations"] = "",
        });
        await browser.EvaluateAsync("document.querySelector('input[name=source][value=builtin]').checked = true");
        await browser.EvaluateAsync("document.querySelector('[data-testid=start-run]').click()");
        await browser.WaitForAsync("document.querySelector('[data-testid=run-title]').textContent.includes('page-long')", TimeSpan.FromSeconds(10), Describe);
        Assert.False((bool)(await browser.EvaluateAsync("document.querySelector('[data-testid=token-dialog]').open"))!);
        var longId = await RunIdAsync(service, "page-long");
        var request = (await service.Client.GetRunAsync(longId))["request"]!;
        Assert.Equal(("temporal-order:30", "rnn", 16, 500, 1.0), ((string?)request["data"], (string?)request["cell"], (int)request["hidden_size"]!, (int)request["epochs"]!, (double)request["clip_norm"]!));
        Assert.Null(request["dilations"]);
        await browser.WaitForAsync("Number(document.querySelector('[data-testid=chart-gradNorm]')?.dataset.pointCount) > 20 && document.querySelector('[data-testid=cancel-run]') !== null",
            TimeSpan.FromSeconds(30), Describe);
        await browser.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "artifacts", "live-page-actions.png"));
        await browser.EvaluateAsync("document.querySelector('[data-testid=cancel-run]').click()");
        await browser.WaitForAsync($"document.querySelector('[data-testid=run-row][data-run-id=\"{longId}\"]')?.dataset.state === 'cancelled'",
            TimeSpan.FromSeconds(30), Describe);
        Assert.Equal("cancelled", (string?)(await service.Client.GetRunAsync(longId))["state"]);
        var seen = (await browser.EvaluateAsync(Describe))!;
        output.WriteLine(seen.ToJsonString());
        Assert.Contains($"Run {longId}", (string?)seen["action"]);
        Assert.Null(seen["banner"]);
        await browser.WaitForAsync("[...document.querySelectorAll('[data-testid=events] li')].some(li => li.dataset.kind === 'cancelled')",
            TimeSpan.FromSeconds(10), Describe);
    }

    private static async Task GiveTokenAsync(HeadlessChromium browser, string token)
    {
        await browser.WaitForAsync("document.querySelector('[data-testid=token-dialog]').open", TimeSpan.FromSeconds(10), Describe);
        await browser.EvaluateAsync($"document.querySelector('[data-testid=token-input]').value = '{token}'");
        await browser.EvaluateAsync("document.querySelector('[data-testid=token-ok]').click()");
    }

    private static async Task FillAsync(HeadlessChromium browser, Dictionary<string, string> fields)
    {
        foreach (var (name, value) in fields)
            await browser.EvaluateAsync($"document.querySelector('#start-form [name={name}]').value = {JsonValue.Create(value).ToJsonString()}");
    }

    private static async Task<long> RunIdAsync(ServiceProcess service, string name)
    {
        var runs = (await service.Client.GetFromJsonAsync<JsonObject>("/api/runs"))!["runs"]!.AsArray();
        return (long)runs.Single(r => (string?)r!["name"] == name)!["id"]!;
    }

    /// <summary>Puts a file in a file input through DevTools, as a user's file chooser would.</summary>
    private static async Task SetFileAsync(HeadlessChromium browser, string selector, string path)
    {
        await browser.Page.SendAsync("DOM.enable");
        var root = await browser.Page.SendAsync("DOM.getDocument");
        var node = await browser.Page.SendAsync("DOM.querySelector", new JsonObject { ["nodeId"] = (int)root["root"]!["nodeId"]!, ["selector"] = selector });
        await browser.Page.SendAsync("DOM.setFileInputFiles", new JsonObject { ["nodeId"] = (int)node["nodeId"]!, ["files"] = new JsonArray(path) });
    }
}
