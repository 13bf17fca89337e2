using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Recurrent.Host.Service;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Api;

/// <summary>
/// Bounded, seeded fuzzing of every endpoint that reads a body, on a fleet worker (so sweeps parse too): a few
/// hundred bodies each, made from valid ones by replacing values with other types and extremes, adding, removing
/// and doubling keys, nesting deep, truncating, and inserting bytes that are not UTF-8. No answer may be a 5xx,
/// every refusal is problem+json, and no request may take more than 10 s.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FuzzTests(PostgresCluster cluster)
{
    private const int Seed = 27;

    [Fact]
    public async Task Generated_bodies_never_get_a_server_error_nor_hang()
    {
        // Small limits: whatever the fuzzer gets accepted trains in moments. The token as configuration, not the
        // process's environment, which tests running beside this one share.
        await using var app = ServiceApp.Build(new ServiceApp.CommandLineSettings("http://127.0.0.1:0", ServiceProcess.NewDataDir(), NoDemo: true,
            ["--Recurrent:Runs:MaxHidden=8", "--Recurrent:Runs:MaxCount=64", "--Recurrent:Runs:MaxEpochs=1", "--Recurrent:MaxSequenceLength=50",
                "--Recurrent:MaxSweepRuns=4", "--Recurrent:MaxUploadBytes=65536", $"--Recurrent:Token={ServiceProcess.TestToken}"])
        {
            Postgres = cluster.NewDatabase(),
            WorkerId = "fuzz",
        });
        await app.StartAsync();
        app.Services.GetRequiredService<Recurrent.Host.Service.Security.BindingGuard>().Open();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", ServiceProcess.TestToken);
        var model = (long)(await client.CreateRunAsync(new { name = "model", data = "adding:8", count = 32, hidden = 4, epochs = 1 }))["id"]!;
        await client.WaitStateAsync(model, "succeeded");

        var random = new Random(Seed);
        var failures = new List<string>();
        var seeds = new (string Url, int Count, JsonObject Body)[]
        {
            ("/api/runs", 300, JsonNode.Parse("""{"data":"adding:8","count":16,"hidden":4,"epochs":1,"cell":"gru","dilations":[1,2],"clip_norm":1,"bptt":"4,4","lr":0.01}""")!.AsObject()),
            ($"/api/runs/{model}/predict", 300, JsonNode.Parse("""{"records":[{"steps":[[0.5,1],[0.2,0]]},{"steps":[0.1]}]}""")!.AsObject()),
            ("/api/sweeps", 200, JsonNode.Parse("""{"name":"s","base":{"data":"adding:8","count":16,"epochs":1},"grid":{"hidden":[2,4],"cell":["gru","rnn"]},"sample":2,"seed":3}""")!.AsObject()),
        };
        foreach (var (url, count, seed) in seeds)
        {
            for (var i = 0; i < count; i++)
            {
                var body = Mutate(random, seed);
                await SendAsync(client, url, new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } }, body, failures);
            }
        }
        for (var i = 0; i < 100; i++)
        {
            var lines = Encoding.UTF8.GetBytes("{\"label\":\"a\",\"tokens\":[\"x\"]}\n{\"label\":2.5,\"steps\":[[1]]}\nlabel,text\n");
            var body = Bytes(random, lines);
            await SendAsync(client, $"/api/datasets?name=f{i}.{(random.Next(2) == 0 ? "jsonl" : "csv")}", new ByteArrayContent(body), body, failures);
        }
        await app.StopAsync();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    private static async Task SendAsync(HttpClient client, string url, HttpContent content, byte[] body, List<string> failures)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await client.PostAsync(url, content);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            if (status >= 500)
                failures.Add($"{url} {status} for {Show(body)}: {text[..Math.Min(300, text.Length)]}");
            else if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                failures.Add($"{url} {status} is not problem+json for {Show(body)}");
        }
        catch (TaskCanceledException)
        {
            failures.Add($"{url} hung ({clock.Elapsed.TotalSeconds:0.#} s) on {Show(body)}");
        }
    }

    private static string Show(byte[] body) => Encoding.UTF8.GetString(body[..Math.Min(200, body.Length)]);

    /// <summary>A body made from <paramref name="valid"/> by one to three mutations.</summary>
    private static byte[] Mutate(Random random, JsonObject valid)
    {
        var node = valid.DeepClone().AsObject();
        var text = (string?)null;
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            switch (random.Next(7))
            {
                case 0 or 1:
                    Replace(random, node);
                    break;
                case 2:
                    node[$"extra{random.Next(3)}"] = Value(random);
                    break;
                case 3 when node.Count > 0:
                    node.Remove(node.ElementAt(random.Next(node.Count)).Key);
                    break;
                case 4:
                    // A key given twice, possibly deep inside.
                    var json = node.ToJsonString();
                    var at = json.IndexOf('{', random.Next(json.Length));
                    text = at < 0 ? json : json.Insert(at + 1, "\"hidden\":1,\"hidden\":2,");
                    break;
                case 5:
                    var deep = new string('[', 40) + new string(']', 40);
                    text = node.ToJsonString().Replace("1", deep, StringComparison.Ordinal);
                    break;
                default:
                    return Bytes(random, Encoding.UTF8.GetBytes(text ?? node.ToJsonString()));
            }
        }
        return Encoding.UTF8.GetBytes(text ?? node.ToJsonString());
    }

    /// <summary>Replaces a value somewhere in the tree with one of another type or an extreme.</summary>
    private static void Replace(Random random, JsonNode node)
    {
        while (true)
        {
            if (node is JsonObject obj && obj.Count > 0)
            {
                var key = obj.ElementAt(random.Next(obj.Count)).Key;
                if (random.Next(3) == 0 || obj[key] is not (JsonObject or JsonArray) || obj[key] is JsonArray { Count: 0 })
                {
                    obj[key] = Value(random);
                    return;
                }
                node = obj[key]!;
            }
            else if (node is JsonArray array && array.Count > 0)
            {
                var i = random.Next(array.Count);
                if (random.Next(3) == 0 || array[i] is not (JsonObject or JsonArray))
                {
                    array[i] = Value(random);
                    return;
                }
                node = array[i]!;
            }
            else
            {
                return;
            }
        }
    }

    private static JsonNode? Value(Random random) => random.Next(16) switch
    {
        0 => null,
        1 => true,
        2 => -1,
        3 => 0,
        4 => 1e308,
        5 => -1e-308,
        6 => JsonNode.Parse("123456789012345678901234567890"),
        7 => 2147483648L,
        8 => "",
        9 => new string('x', random.Next(1, 5000)),
        10 => "\u0000\uFFFF\uD800x",
        11 => new JsonArray(),
        12 => new JsonObject(),
        13 => new JsonArray(Enumerable.Range(0, random.Next(1, 3000)).Select(i => (JsonNode?)JsonValue.Create(i % 7)).ToArray()),
        14 => "none",
        _ => random.NextDouble() * 1e6 - 5e5,
    };

    /// <summary>Raw damage: a truncation, or bytes that are not UTF-8 (or not text) put somewhere.</summary>
    private static byte[] Bytes(Random random, byte[] text)
    {
        if (random.Next(2) == 0)
            return text[..random.Next(text.Length + 1)];
        var at = random.Next(text.Length + 1);
        var junk = new byte[random.Next(1, 6)];
        random.NextBytes(junk);
        junk[0] |= 0x80;
        return [.. text[..at], .. junk, .. text[at..]];
    }
}
