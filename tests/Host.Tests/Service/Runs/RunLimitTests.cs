using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Runs;

/// <summary>
/// Runs the service cannot train are refused at creation with a 400 naming the field, from the request alone:
/// nothing is generated on the request thread and nothing is stored.
/// </summary>
public sealed class RunLimitTests
{
    [Fact]
    public async Task Oversized_runs_are_refused_with_the_field_and_the_limit()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        async Task Refused(string body, string field, string text) =>
            await Expect.ProblemAsync(client.PostAsync("/api/runs", ApiClient.Json(body)), 400, field, text);

        await Refused("{\"data\": \"adding:10\", \"hidden\": 1000000}", "hidden", "Recurrent:Runs:MaxHidden");
        await Refused("{\"data\": \"adding:10\", \"layers\": 100}", "layers", "Recurrent:Runs:MaxLayers");
        await Refused("{\"data\": \"adding:10\", \"embedding\": 100000}", "embedding", "Recurrent:Runs:MaxEmbedding");
        await Refused("{\"data\": \"adding:10\", \"epochs\": 100000000}", "epochs", "Recurrent:Runs:MaxEpochs");
        await Refused("{\"data\": \"adding:10\", \"batch\": 1000000}", "batch", "Recurrent:Runs:MaxBatch");
        await Refused("{\"data\": \"adding:10\", \"threads\": 10000}", "threads", "Recurrent:Runs:MaxThreads");
        await Refused("{\"data\": \"adding:10\", \"max_length\": 1000000}", "max_length", "Recurrent:MaxSequenceLength");
        // The request: two million sequences of 2000 steps, refused without building them.
        await Refused("{\"data\": \"adding:2000\", \"count\": 2000000}", "count", "Recurrent:Runs:MaxCount");
        // Under the count limit, over the data limit: 28,000 sequences × 2000 steps × 2 features.
        await Refused("{\"data\": \"adding:2000\", \"count\": 20000}", "count", "Recurrent:Runs:MaxDataValues");
        await Refused("{\"data\": \"adding:10\", \"hidden\": 4096, \"layers\": 8}", "hidden", "Recurrent:Runs:MaxParameters");
        await Refused("{\"data\": \"adding:2000\", \"hidden\": 512, \"batch\": 4096}", "batch", "Recurrent:Runs:MaxActivationBytes");
        Assert.Equal(0, await Expect.RunCountAsync(client));

        // Within the limits the same kind of run is accepted at once and its data is built by the worker.
        var run = await client.CreateRunAsync(new { data = "adding:2000", count = 4000, hidden = 8, epochs = 1, max_steps = 1 });
        await client.WaitStateAsync((long)run["id"]!, "succeeded");
    }

    [Fact]
    public async Task Limits_are_configurable()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(),
            extraArgs: ["--Recurrent:Runs:MaxHidden=16", "--Recurrent:Runs:MaxParameters=100"]);
        await Expect.ProblemAsync(service.Client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"hidden\": 17}")),
            400, "hidden", "limit of 16 (Recurrent:Runs:MaxHidden)");
        // An LSTM of 8 units on 2 features: 4·8·(2 + 8 + 2) + 9 = 393 parameters.
        await Expect.ProblemAsync(service.Client.PostAsync("/api/runs", ApiClient.Json("{\"data\": \"adding:10\", \"hidden\": 8}")),
            400, "hidden", "has 393 parameters");
    }
}
