using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Gradients;

/// <summary>The gradient history paged both ways with its cursor, and the run's event log, on a real service.</summary>
public sealed class HistoryApiTests
{
    [Fact]
    public async Task Gradient_history_pages_oldest_first_and_newest_first_without_holes_or_repeats()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        // A clip threshold no step stays under: every step is clipped, so the whole run is one clipped burst.
        var spec = TrainingSpecs.Interruptible("paged");
        spec["epochs"] = 2;
        spec["clip_norm"] = 1e-6;
        var id = (long)(await client.CreateRunAsync(spec))["id"]!;
        await client.WaitStateAsync(id, "succeeded");
        const long total = 640 / 16 * 2;

        var forward = await FollowAsync(client, $"/api/runs/{id}/gradients?order=asc&limit=7");
        Assert.Equal(Enumerable.Range(1, (int)total).Select(s => (long)s), forward.Steps);
        Assert.Equal((int)Math.Ceiling(total / 7.0), forward.Pages);

        var backward = await FollowAsync(client, $"/api/runs/{id}/gradients?order=desc&limit=9");
        Assert.Equal(Enumerable.Range(1, (int)total).Reverse().Select(s => (long)s), backward.Steps);

        // A window: since and until are exclusive, and desc starts at its newest end.
        var window = await StepsAsync(client, $"/api/runs/{id}/gradients?since=10&until=20&order=desc&limit=4");
        Assert.Equal([19L, 18, 17, 16], window);
        var windowAsc = await StepsAsync(client, $"/api/runs/{id}/gradients?since=10&until=20&order=asc&limit=4");
        Assert.Equal([11L, 12, 13, 14], windowAsc);
        // Without an order: the newest `limit`, oldest first (what the page polls with).
        Assert.Equal([total - 2, total - 1, total], await StepsAsync(client, $"/api/runs/{id}/gradients?limit=3"));
        // every: an overview of a long run.
        var sparse = await StepsAsync(client, $"/api/runs/{id}/gradients?order=asc&every=10&limit=5000");
        Assert.Equal(Enumerable.Range(1, (int)(total / 10)).Select(k => k * 10L), sparse);

        await ExpectProblemAsync(client, $"/api/runs/{id}/gradients?limit=5001", "limit", "from 1 to 5000");
        await ExpectProblemAsync(client, $"/api/runs/{id}/gradients?limit=0", "limit", "from 1 to 5000");
        await ExpectProblemAsync(client, $"/api/runs/{id}/gradients?limit=many", "limit", "'many'");
        await ExpectProblemAsync(client, $"/api/runs/{id}/gradients?since=-1", "since", "'-1'");
        await ExpectProblemAsync(client, $"/api/runs/{id}/gradients?until=1.5", "until", "'1.5'");
        await ExpectProblemAsync(client, $"/api/runs/{id}/gradients?since=10&until=11", "until", "above since + 1");
        await ExpectProblemAsync(client, $"/api/runs/{id}/gradients?order=newest", "order", "asc or desc");
        await ExpectProblemAsync(client, $"/api/runs/{id}/gradients?limit=1&limit=2", "limit", "once");
        await ExpectProblemAsync(client, $"/api/runs/{id}/gradients?after=3", "after", "not a parameter");

        // The event log: lifecycle by time, then the burst found in the steps.
        var log = (await client.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/events"))!;
        var events = log["events"]!.AsArray().Select(e => e!.AsObject()).ToArray();
        var kinds = events.Select(e => (string)e["kind"]!).ToArray();
        Assert.Equal(["created", "started", "succeeded", "clipped-burst"], kinds);
        Assert.All(events[..3], e => Assert.NotNull((string?)e["at"]));
        var burst = events[3];
        Assert.Equal(1L, (long)burst["step"]!);
        Assert.Equal(total, (long)burst["last_step"]!);
        Assert.Contains($"{total} consecutive steps clipped", (string)burst["message"]!, StringComparison.Ordinal);
        Assert.Null(log["next"]);
        await ExpectProblemAsync(client, $"/api/runs/{id}/events?limit=1001", "limit", "1000");
        await ExpectProblemAsync(client, "/api/runs/999/events", "id", "999", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Events_report_non_finite_steps_and_why_a_run_failed()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        // A ReLU RNN with identity recurrence and a huge learning rate overflows within a few steps; with
        // non_finite=stop the first non-finite step ends the run as failed.
        var id = (long)(await client.CreateRunAsync(new Dictionary<string, object?>
        {
            ["name"] = "explodes",
            ["data"] = "adding:50",
            ["count"] = 256,
            ["cell"] = "rnn",
            ["activation"] = "relu",
            ["init"] = "identity",
            ["hidden"] = 16,
            ["epochs"] = 5,
            ["batch"] = 16,
            ["optimizer"] = "sgd",
            ["lr"] = 1e6,
            ["non_finite"] = "stop",
            ["seed"] = 3,
        }))["id"]!;
        var run = await WaitEndedAsync(client, id);
        Assert.Equal("failed", (string?)run["state"]);

        var events = (await client.GetFromJsonAsync<JsonObject>($"/api/runs/{id}/events"))!["events"]!.AsArray()
            .Select(e => e!.AsObject()).ToArray();
        var failed = Assert.Single(events, e => (string)e["kind"]! == "failed");
        Assert.Equal((string?)run["error"], (string?)failed["message"]);
        var nonFinite = Assert.Single(events, e => (string)e["kind"]! == "non-finite");
        Assert.Contains("non-finite", (string)nonFinite["message"]!, StringComparison.Ordinal);
        Assert.True((long)nonFinite["step"]! >= 1);
    }

    private static async Task<JsonObject> WaitEndedAsync(HttpClient client, long id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var run = await client.GetRunAsync(id);
            if ((string?)run["state"] is "succeeded" or "failed" or "cancelled" || DateTime.UtcNow > deadline)
                return run;
            await Task.Delay(50);
        }
    }

    private static async Task<(List<long> Steps, int Pages)> FollowAsync(HttpClient client, string first)
    {
        var steps = new List<long>();
        var pages = 0;
        for (string? next = first; next is not null; pages++)
        {
            var page = (await client.GetFromJsonAsync<JsonObject>(next))!;
            steps.AddRange(page["steps"]!.AsArray().Select(s => (long)s!["step"]!));
            next = (string?)page["next"];
            Assert.True(pages < 1000, "the cursor does not end");
        }
        return (steps, pages);
    }

    private static async Task<List<long>> StepsAsync(HttpClient client, string url) =>
        (await client.GetFromJsonAsync<JsonObject>(url))!["steps"]!.AsArray().Select(s => (long)s!["step"]!).ToList();

    private static async Task ExpectProblemAsync(HttpClient client, string url, string field, string text,
        HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{url}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(field, (string?)problem["field"]);
        Assert.Contains(text, (string?)problem["detail"], StringComparison.Ordinal);
    }
}
