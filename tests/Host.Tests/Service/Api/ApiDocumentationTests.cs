using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Recurrent.Host.Service;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Api;

/// <summary>
/// /openapi/v1.json against the service's own routes (built in this process, so the test sees its endpoint
/// table) and against its live responses: every route is listed, nothing else is, and each JSON response has
/// exactly the fields its schema names.
/// </summary>
public sealed class ApiDocumentationTests
{
    /// <summary>The live page's files and the document itself: not API.</summary>
    private static readonly string[] NotApi = ["/", "/page/{file}", "/openapi/{documentName}.json"];

    [Fact]
    public async Task Document_lists_every_route_and_its_schemas_match_the_responses()
    {
        // The token as configuration, not the process's environment, which tests running beside this one share.
        await using var app = ServiceApp.Build(new ServiceApp.CommandLineSettings("http://127.0.0.1:0", ServiceProcess.NewDataDir(), NoDemo: true,
            [$"--Recurrent:Token={ServiceProcess.TestToken}"]));
        await app.StartAsync();
        app.Services.GetRequiredService<Recurrent.Host.Service.Security.BindingGuard>().Open(); // loopback: the token rule holds
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", ServiceProcess.TestToken);

        var document = (await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var documented = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(m => $"{m.Key.ToUpperInvariant()} {p.Key}"))
            .Order(StringComparer.Ordinal).ToArray();
        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.TrimStart('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(r => !NotApi.Contains(r.Path))
            .SelectMany(r => r.Methods.Select(m => $"{m} {r.Path}"))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Contains("GET /api/runs/{id}/events", routes);
        Assert.Contains("POST /api/runs/{id}/predict", routes);
        Assert.Contains("GET /metrics", routes);
        Assert.Equal(routes, documented);

        // Every operation says what it answers with; the API's say it as a schema, errors as problem+json.
        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in operations!.AsObject())
            {
                var responses = operation!["responses"]!.AsObject();
                var success = responses.Where(r => r.Key.StartsWith('2')).Select(r => r.Value!).ToArray();
                Assert.True(success.Length > 0, $"{method} {path} documents no success response");
                Assert.All(success, r => Assert.NotNull(r["content"]!.AsObject().Single().Value!["schema"]));
                if (path.StartsWith("/api/", StringComparison.Ordinal))
                {
                    // Every API route may pass its deadline or find its store damaged; those that read a body or a query may be refused.
                    Assert.NotNull(responses["408"]!["content"]!["application/problem+json"]);
                    Assert.NotNull(responses["503"]!["content"]!["application/problem+json"]);
                    if ((method == "post" && !path.EndsWith("/cancel", StringComparison.Ordinal)) || path.EndsWith("/gradients", StringComparison.Ordinal))
                        Assert.NotNull(responses["400"]!["content"]!["application/problem+json"]);
                    Assert.Equal(method == "post", operation["security"] is not null);
                }
            }
        }
        var paging = document["paths"]!["/api/runs/{id}/gradients"]!["get"]!["parameters"]!.AsArray()
            .Where(p => (string?)p!["in"] == "query").Select(p => (string)p!["name"]!).ToArray();
        Assert.Equal(["since", "until", "order", "limit", "every"], paging);
        // The gradient records send NaN as null, through converters the generator cannot see into: documented anyway.
        var step = Item(Schema(document, "/api/runs/{id}/gradients")["properties"]!["steps"]!, document)["properties"]!;
        Assert.Equal(["null", "number"], step["loss"]!["type"]!.AsArray().Select(t => (string)t!).Order());
        Assert.Equal(["null", "number"], step["profile_log10"]!["items"]!["type"]!.AsArray().Select(t => (string)t!).Order());
        Assert.NotNull(Resolve(document["paths"]!["/api/runs"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!, document)["properties"]!["clip_norm"]);
        // Each route says what it answers: its tag, both answers of cancel, health's 503, the problems of predict.
        Assert.All(document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()), o => Assert.Single(o.Value!["tags"]!.AsArray()));
        Assert.Equal(["200", "202"], Successes(document, "/api/runs/{id}/cancel", "post"));
        Assert.NotNull(document["paths"]!["/healthz"]!["get"]!["responses"]!["503"]);
        Assert.Equal(["400", "401", "404", "408", "409", "413", "415", "422", "429", "500", "503", "507"],
            document["paths"]!["/api/runs/{id}/predict"]!["post"]!["responses"]!.AsObject().Select(r => r.Key).Where(k => k[0] != '2').Order());

        // A real run, so every view has data, then each response's fields against its schema.
        var id = (long)(await client.CreateRunAsync(new { name = "documented", data = "adding:8", count = 64, cell = "gru", hidden = 4, epochs = 2, batch = 16 }))["id"]!;
        await client.WaitStateAsync(id, "succeeded");
        await SameFieldsAsync(client, document, "/healthz", "/healthz");
        await SameFieldsAsync(client, document, "/api/datasets", "/api/datasets");
        var runs = await SameFieldsAsync(client, document, "/api/runs", "/api/runs");
        SameFields(Item(Schema(document, "/api/runs")["properties"]!["runs"]!, document), runs["runs"]![0]!.AsObject(), "/api/runs runs[0]");
        var detail = await SameFieldsAsync(client, document, "/api/runs/{id}", $"/api/runs/{id}");
        SameFields(Resolve(Schema(document, "/api/runs/{id}")["properties"]!["progress"]!, document), detail["progress"]!.AsObject(), "progress");
        SameFields(Resolve(Schema(document, "/api/runs/{id}")["properties"]!["result"]!, document), detail["result"]!.AsObject(), "result");
        var gradients = await SameFieldsAsync(client, document, "/api/runs/{id}/gradients", $"/api/runs/{id}/gradients?limit=2");
        SameFields(Item(Schema(document, "/api/runs/{id}/gradients")["properties"]!["steps"]!, document), gradients["steps"]![0]!.AsObject(), "steps[0]");
        var events = await SameFieldsAsync(client, document, "/api/runs/{id}/events", $"/api/runs/{id}/events");
        SameFields(Item(Schema(document, "/api/runs/{id}/events")["properties"]!["events"]!, document), events["events"]![0]!.AsObject(), "events[0]");
        await SameFieldsAsync(client, document, "/api/workers", "/api/workers");
        await SameFieldsAsync(client, document, "/api/sweeps", "/api/sweeps");
        // A regression's prediction: the value, and no label or probabilities.
        using var predicted = await client.PostAsJsonAsync($"/api/runs/{id}/predict", new { records = new[] { new { steps = new[] { new[] { 0.5, 1.0 }, [0.2, 0.0] } } } });
        Assert.Equal(System.Net.HttpStatusCode.OK, predicted.StatusCode);
        var prediction = (await predicted.Content.ReadFromJsonAsync<JsonObject>())!;
        SameFields(Schema(document, "/api/runs/{id}/predict", "post"), prediction, "predict");
        SameFields(Item(Schema(document, "/api/runs/{id}/predict", "post")["properties"]!["predictions"]!, document),
            prediction["predictions"]![0]!.AsObject(), "predictions[0]");
        await app.StopAsync();
    }

    private static string[] Successes(JsonObject document, string path, string method) =>
        [.. document["paths"]![path]![method]!["responses"]!.AsObject().Select(r => r.Key).Where(k => k[0] == '2').Order()];

    private static async Task<JsonObject> SameFieldsAsync(HttpClient client, JsonObject document, string path, string url)
    {
        var body = (await client.GetFromJsonAsync<JsonObject>(url))!;
        SameFields(Schema(document, path), body, url);
        return body;
    }

    /// <summary>The response sends every field the schema requires and none it does not declare.</summary>
    private static void SameFields(JsonNode schema, JsonObject body, string what)
    {
        var declared = schema["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
        var required = (schema["required"]?.AsArray() ?? []).Select(r => (string)r!).Order(StringComparer.Ordinal).ToArray();
        var sent = body.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
        Assert.True(required.All(sent.Contains) && sent.All(declared.Contains),
            $"{what}: schema requires [{string.Join(", ", required)}] of [{string.Join(", ", declared)}], response has [{string.Join(", ", sent)}]");
    }

    private static JsonNode Schema(JsonObject document, string path, string method = "get", string status = "200") =>
        Resolve(document["paths"]![path]![method]!["responses"]![status]!["content"]!["application/json"]!["schema"]!, document);

    private static JsonNode Item(JsonNode array, JsonObject document) => Resolve(array["items"]!, document);

    /// <summary>
    /// Follows a $ref into components/schemas, and a nullable reference (oneOf null or a $ref) to what it references;
    /// inline schemas are returned as they are.
    /// </summary>
    private static JsonNode Resolve(JsonNode schema, JsonObject document)
    {
        if (schema["oneOf"] is JsonArray choices && choices.SingleOrDefault(c => c!["type"] is null) is { } referenced)
            return Resolve(referenced, document);
        return schema["$ref"] is { } reference
            ? document["components"]!["schemas"]![((string)reference!).Split('/')[^1]]!
            : schema;
    }
}
