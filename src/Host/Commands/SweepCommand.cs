using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Recurrent.Host.Service;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Datasets;
using Recurrent.Host.Service.Store.Postgres;
using Recurrent.Host.Service.Sweeps;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Commands;

/// <summary>
/// `recurrent sweep`: queues a grid of runs in a fleet's PostgreSQL store, checked as <c>POST /api/sweeps</c>
/// checks them (it is the same code); the fleet's workers train them. Prints the sweep's id and its runs.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var postgres = new Option<string?>("--postgres") { Description = "The fleet's Npgsql connection string (default RECURRENT_POSTGRES)." };
        var grid = new Option<string[]>("--grid")
        {
            Description = "OPTION=V1,V2,... per varied run option (none = unset), e.g. --grid cell=lstm,gru hidden_size=32,64 clip_norm=1,none",
            AllowMultipleArgumentsPerToken = true,
            Required = true,
        };
        var baseJson = new Option<string?>("--base") { Description = "The options every run shares, as the JSON of POST /api/runs, e.g. '{\"data\":\"adding:50\",\"epochs\":5}'." };
        var data = new Option<string?>("--data") { Description = "A built-in dataset spec (sets base's data)." };
        var name = new Option<string?>("--name") { Description = "The sweep's name (its runs are NAME-1, NAME-2, ...)." };
        var sample = new Option<int?>("--sample") { Description = "Queue only this many combinations, drawn at random." };
        var seed = new Option<int>("--seed") { Description = "The seed of the sample's draw (default 0)." };
        var command = new Command("sweep", "Queue a grid of runs in a fleet's PostgreSQL store.") { postgres, grid, baseJson, data, name, sample, seed };
        command.SetAction(parse =>
        {
            var connection = parse.GetValue(postgres) ?? Environment.GetEnvironmentVariable("RECURRENT_POSTGRES");
            if (string.IsNullOrWhiteSpace(connection))
            {
                Console.Error.WriteLine("recurrent sweep: give --postgres CONNECTION or set RECURRENT_POSTGRES.");
                return ExitCodes.BadInput;
            }
            try
            {
                var request = new SweepRequest
                {
                    Name = parse.GetValue(name),
                    Base = BaseOf(parse.GetValue(baseJson), parse.GetValue(data)),
                    Grid = GridOf(parse.GetValue(grid) ?? []),
                    Sample = parse.GetValue(sample),
                    Seed = parse.GetValue(seed),
                };
                return Queue(connection, request);
            }
            catch (ApiProblemException e)
            {
                Console.Error.WriteLine($"recurrent sweep: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or Npgsql.NpgsqlException)
            {
                Console.Error.WriteLine($"recurrent sweep: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static int Queue(string connectionString, SweepRequest request)
    {
        using var database = new PgDatabase(connectionString);
        var options = new ServiceOptions();
        // Uploaded datasets are read from the store into a scratch directory, to be checked like the service does.
        var scratch = new DataDirectory(Directory.CreateTempSubdirectory("recurrent-sweep-").FullName);
        try
        {
            var clock = TimeProvider.System;
            var runs = new PgRunStore(database, new WorkerIdentity(WorkerIdentity.DefaultId(), 0, TimeSpan.FromSeconds(options.LeaseSeconds)), clock);
            var runData = new RunData(new Service.Store.DatasetStore(database, clock), scratch, new PgArtifacts(database, scratch, new PgRunFence()), Options.Create(options));
            var sweeps = new PgSweepStore(database, runs, clock);
            var sweep = new SweepQueue(sweeps, runData, options).Queue(request);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                id = sweep.Id,
                name = sweep.Name,
                runs = sweeps.Runs(sweep.Id).Select(r => new { id = r.Id, name = r.Name }).ToArray(),
            }));
            return ExitCodes.Success;
        }
        finally
        {
            Directory.Delete(scratch.Root, recursive: true);
        }
    }

    private static JsonObject BaseOf(string? json, string? data)
    {
        JsonObject options;
        try
        {
            options = json is null ? [] : JsonNode.Parse(json) as JsonObject
                ?? throw new BadRequestException("base", "--base: must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new BadRequestException("base", $"--base: not JSON ({e.Message}).");
        }
        if (data is not null)
            options["data"] = data;
        return options;
    }

    /// <summary>OPTION=V1,V2 tokens as the grid object: numbers and true/false as JSON, none as null, the rest as text.</summary>
    public static JsonObject GridOf(IEnumerable<string> tokens)
    {
        var grid = new JsonObject();
        foreach (var token in tokens)
        {
            var equals = token.IndexOf('=');
            if (equals < 1)
                throw new BadRequestException("grid", $"--grid: '{token}' is not OPTION=V1,V2,...");
            var option = token[..equals];
            if (grid.ContainsKey(option))
                throw new BadRequestException($"grid.{option}", $"--grid: {option} is given twice.");
            var values = new JsonArray();
            foreach (var value in token[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries))
                values.Add(ValueOf(value));
            grid[option] = values;
        }
        return grid;
    }

    private static JsonNode? ValueOf(string text) =>
        text switch
        {
            "none" or "null" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) => JsonValue.Create(x),
            _ => JsonValue.Create(text),
        };
}
