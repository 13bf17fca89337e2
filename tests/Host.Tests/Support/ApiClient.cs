using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Recurrent.Host.Tests.Support;

/// <summary>The few calls the tests make, with the waiting they need.</summary>
internal static class ApiClient
{
    public static async Task<JsonObject> CreateRunAsync(this HttpClient client, object request)
    {
        using var response = await client.PostAsync("/api/runs", Json(request));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>
    /// <see cref="CreateRunAsync"/> as a client of a busy fleet should: a 503 (the database could not serve it now;
    /// nothing was stored) is retried after its Retry-After, up to five times; any other refusal fails at once.
    /// </summary>
    public static async Task<JsonObject> CreateRunRetryingAsync(this HttpClient client, object request)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await client.PostAsync("/api/runs", Json(request));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && attempt < 5)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                continue;
            }
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
            return JsonNode.Parse(body)!.AsObject();
        }
    }

    public static async Task<JsonObject> GetRunAsync(this HttpClient client, long id) =>
        (await client.GetFromJsonAsync<JsonObject>($"/api/runs/{id}"))!;

    /// <summary>
    /// Polls until the run satisfies <paramref name="until"/>; fails with the last view on timeout. The wait ends when
    /// the run gets there, so the default bound is far above what a test's run takes on a loaded machine.
    /// </summary>
    public static async Task<JsonObject> WaitRunAsync(this HttpClient client, long id, Func<JsonObject, bool> until, double seconds = 600)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        JsonObject run;
        do
        {
            run = await client.GetRunAsync(id);
            if (until(run))
                return run;
            Assert.NotEqual("failed", (string?)run["state"]);
            await Task.Delay(25);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"run {id} did not get there: {run.ToJsonString()}");
    }

    public static Task<JsonObject> WaitStateAsync(this HttpClient client, long id, string state, double seconds = 600) =>
        client.WaitRunAsync(id, r => (string?)r["state"] == state, seconds);

    public static long? CheckpointStep(this JsonObject run) => (long?)run["progress"]!["checkpoint_step"];

    public static StringContent Json(object value) =>
        new(value as string ?? JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
