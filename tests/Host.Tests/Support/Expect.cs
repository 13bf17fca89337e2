using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Recurrent.Host.Tests.Support;

/// <summary>Assertions on the service's refusals: a status, problem+json, the field at fault and the words that explain it.</summary>
internal static class Expect
{
    public static async Task<JsonObject> ProblemAsync(Task<HttpResponseMessage> call, int status, string? field, string text)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body[..Math.Min(body.Length, 600)]}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Contains(text, (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(field, (string?)problem["field"]);
        return problem;
    }

    public static async Task<int> RunCountAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonObject>("/api/runs"))!["runs"]!.AsArray().Count;
}
