using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Sweeps;

/// <summary>
/// Sweeps: a grid expanded into runs queued together (by `recurrent sweep` or POST /api/sweeps), ranked by
/// validation loss with each run's gradient health; bad sweeps are refused naming the field, and queue nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SweepTests(PostgresCluster cluster)
{
    // No test here loses its database: a loaded machine gets 60 s to open a connection rather than the service's 5.
    private const int PatientConnect = 60;

    // Waits end when the runs do; the bound only has to be far above what they take on a loaded machine.
    private const double DrainSeconds = 900;

    private static readonly Dictionary<string, object?> Base = new()
    {
        ["data"] = "temporal-order:20",
        ["count"] = 64,
        ["hidden"] = 8,
        ["epochs"] = 2,
        ["batch"] = 16,
        ["seed"] = 5,
    };

    private static readonly Dictionary<string, object?> BaseOfAnySize = Base.Where(o => o.Key != "hidden").ToDictionary();

    [Fact]
    public async Task The_sweep_command_queues_a_grid_that_the_fleet_trains_and_the_view_ranks()
    {
        var database = cluster.NewDatabase(PatientConnect);
        await using var worker = await FleetProcess.StartWorkerAsync(database, "sweeper", "--Recurrent:MaxConcurrentRuns=2");
        var (exit, output, error) = await RecurrentAsync("sweep", "--postgres", database, "--name", "remedies",
            "--base", System.Text.Json.JsonSerializer.Serialize(Base), "--grid", "cell=gru,rnn", "clip_norm=1,none");
        Assert.True(exit == 0, error);
        var printed = JsonNode.Parse(output)!;
        var id = (long)printed["id"]!;
        Assert.Equal(["remedies-1", "remedies-2", "remedies-3", "remedies-4"], printed["runs"]!.AsArray().Select(r => (string?)r!["name"]));

        await FleetProcess.WaitAllEndedAsync(worker.Client, 4, DrainSeconds);
        var sweep = (await worker.Client.GetFromJsonAsync<JsonObject>($"/api/sweeps/{id}"))!;
        Assert.Equal("valid_loss", (string?)sweep["metric"]);
        Assert.Equal(4, (int)sweep["states"]!["succeeded"]!);
        var runs = sweep["runs"]!.AsArray().Select(r => r!.AsObject()).ToArray();
        Assert.Equal([1, 2, 3, 4], runs.Select(r => (int)r["rank"]!));
        var losses = runs.Select(r => (double)r["valid_loss"]!).ToArray();
        Assert.Equal(losses.Order(), losses);
        // The grid in its natural order, the last option varying fastest; none is an unset clip_norm.
        var byName = runs.ToDictionary(r => (string)r["name"]!);
        Assert.Equal("gru", (string?)byName["remedies-2"]["values"]!["cell"]);
        Assert.Null(byName["remedies-2"]["values"]!["clip_norm"]);
        Assert.Equal(1.0, (double)byName["remedies-3"]["values"]!["clip_norm"]!);
        Assert.All(runs, r =>
        {
            var gradient = r["gradient"]!;
            Assert.Equal(8, (long)gradient["stored_steps"]!); // 64 × 0.8 sequences... of 16: every step stored
            Assert.InRange((double)gradient["clip_rate"]!, 0, 1);
            Assert.Equal(0, (long)gradient["non_finite_steps"]!);
            Assert.NotNull(gradient["final_log10_vanishing_ratio"]);
        });
        // Runs without a clip threshold are never clipped.
        Assert.All(runs.Where(r => r["values"]!["clip_norm"] is null), r => Assert.Equal(0.0, (double)r["gradient"]!["clip_rate"]!));
    }

    [Fact]
    public async Task Bad_sweeps_are_refused_naming_the_field_and_queue_nothing()
    {
        var database = cluster.NewDatabase(PatientConnect);
        await using var worker = await FleetProcess.StartWorkerAsync(database, "judge", "--Recurrent:MaxSweepRuns=8");
        var sampled = await PostAsync(worker, new { name = "sampled", @base = BaseOfAnySize, grid = new { cell = new[] { "gru", "rnn", "lstm" }, hidden = new[] { 4, 6, 8 } }, sample = 2, seed = 1 });
        Assert.True(sampled.Status == HttpStatusCode.Created, sampled.Body.ToJsonString());
        Assert.Equal(2, sampled.Body["runs"]!.AsArray().Count);

        await RefusedAsync(worker, new { @base = Base, grid = new { cell = new[] { "gru" }, colour = new[] { "red" } } }, "grid.colour", "not a run option");
        await RefusedAsync(worker, new { @base = Base, grid = new { } }, "grid", "at least one option");
        await RefusedAsync(worker, new { @base = Base, grid = new { cell = Array.Empty<string>() } }, "grid.cell", "non-empty list");
        await RefusedAsync(worker, new { @base = BaseOfAnySize, grid = new { cell = new[] { "gru", "rnn", "lstm" }, hidden = new[] { 4, 6, 8 } } },
            "grid", "9 runs exceed the service's limit of 8 per sweep (Recurrent:MaxSweepRuns)");
        await RefusedAsync(worker, new { @base = Base, grid = new { epochs = new[] { 8 } } }, "grid.epochs", "also set in base");
        await RefusedAsync(worker, new { @base = BaseOfAnySize, grid = new { hidden = new[] { 8, 100000 } } }, "grid.hidden", "hidden=100000 is refused");
        await RefusedAsync(worker, new { @base = Base, grid = new { cell = new[] { "gru", "elman" } } }, "grid.cell", "cell=\"elman\" is refused");
        await RefusedAsync(worker, new { @base = new Dictionary<string, object?>(Base) { ["name"] = "x" }, grid = new { cell = new[] { "gru" } } }, "base.name", "name the sweep");
        await RefusedAsync(worker, new { @base = Base, grid = new { cell = new[] { "gru" } }, sample = 5 }, "sample", "from 1 to the grid's 1");
        await RefusedAsync(worker, new { @base = Base, grid = new { cell = new[] { "gru" } }, budget = 3 }, "budget", "");

        var runs = await FleetProcess.RunsAsync(worker.Client);
        Assert.Equal(2, runs.Length); // the sample's, nothing else
        var sweeps = (await worker.Client.GetFromJsonAsync<JsonObject>("/api/sweeps"))!["sweeps"]!.AsArray();
        Assert.Equal(["sampled"], sweeps.Select(s => (string?)s!["name"]));
    }

    [Fact]
    public async Task A_sweep_of_encoder_decoders_is_checked_as_their_runs_are_and_the_fleet_trains_it()
    {
        var database = cluster.NewDatabase(PatientConnect);
        await using var worker = await FleetProcess.StartWorkerAsync(database, "decoder", "--Recurrent:MaxConcurrentRuns=2");
        var reverse = new Dictionary<string, object?> { ["data"] = "reverse:4", ["count"] = 64, ["hidden_size"] = 8, ["epochs"] = 2, ["batch_size"] = 16 };
        await RefusedAsync(worker, new { @base = reverse, grid = new { bidirectional = new[] { true } } }, "grid.bidirectional",
            "does not apply to an encoder–decoder");
        var created = await PostAsync(worker, new { name = "reversals", @base = reverse, grid = new { cell = new[] { "gru", "lstm" } } });
        Assert.True(created.Status == HttpStatusCode.Created, created.Body.ToJsonString());
        await FleetProcess.WaitAllEndedAsync(worker.Client, 2, DrainSeconds);
        var sweep = (await worker.Client.GetFromJsonAsync<JsonObject>($"/api/sweeps/{(long)created.Body["id"]!}"))!;
        Assert.Equal(2, (int)sweep["states"]!["succeeded"]!);
        // Ranked by the teacher-forced validation loss; every step's gradient stored, the encoder's ratio defined.
        Assert.All(sweep["runs"]!.AsArray(), r =>
        {
            Assert.NotNull(r!["valid_loss"]);
            Assert.Equal(8, (long)r["gradient"]!["stored_steps"]!); // 64 pairs of 16: 4 steps an epoch
            Assert.NotNull(r["gradient"]!["final_log10_vanishing_ratio"]);
        });
        // The fleet's store serves the two graphs of a run it trained.
        var first = (long)sweep["runs"]![0]!["id"]!;
        using var decoder = await worker.Client.GetAsync($"/api/runs/{first}/decoder.onnx");
        Assert.Equal(HttpStatusCode.OK, decoder.StatusCode);
    }

    [Fact]
    public async Task The_embedded_store_says_sweeps_need_postgres()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        using var response = await service.Client.PostAsync("/api/sweeps", ApiClient.Json(new { grid = new { cell = new[] { "gru" } } }));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("--postgres", await response.Content.ReadAsStringAsync());
    }

    private static async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(ServiceProcess worker, object sweep)
    {
        using var response = await worker.Client.PostAsync("/api/sweeps", ApiClient.Json(sweep));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    private static async Task RefusedAsync(ServiceProcess worker, object sweep, string field, string detail)
    {
        var (status, body) = await PostAsync(worker, sweep);
        Assert.True(status == HttpStatusCode.BadRequest, body.ToJsonString());
        Assert.Equal(field, (string?)body["field"]);
        Assert.Contains(detail, (string?)body["detail"]);
    }

    private static async Task<(int Exit, string Output, string Error)> RecurrentAsync(params string[] args)
    {
        using var process = Process.Start(RecurrentCommand.StartInfo(args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
