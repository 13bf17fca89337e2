using System.CommandLine;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Recurrent.Host.Service;
using Recurrent.Host.Service.Security;

namespace Recurrent.Host.Commands;

/// <summary>`recurrent serve`: the training service. Unrecognised <c>--Section:Key=value</c> arguments are configuration.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = $"Where to listen, ';'-separated (default {ServiceApp.DefaultUrls}; loopback unless a token is configured)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "The data directory: store, datasets, models, checkpoints (default ./recurrent-data)." };
        var noDemo = new Option<bool>("--no-demo") { Description = "Do not queue the demo runs on a new data directory." };
        var postgres = new Option<string?>("--postgres") { Description = "An Npgsql connection string: share runs, datasets and models with a fleet of workers in PostgreSQL (also RECURRENT_POSTGRES)." };
        var workerId = new Option<string?>("--worker-id") { Description = "This worker's id in a fleet (default host name and pid)." };
        var command = new Command("serve", "Run the training service: REST API under /api, /metrics, /healthz.") { urls, dataDir, noDemo, postgres, workerId };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse => Run(new ServiceApp.CommandLineSettings(parse.GetValue(urls), parse.GetValue(dataDir),
            parse.GetValue(noDemo), parse.UnmatchedTokens.ToArray())
        {
            Postgres = parse.GetValue(postgres),
            WorkerId = parse.GetValue(workerId),
        }));
        return command;
    }

    private static int Run(ServiceApp.CommandLineSettings settings)
    {
        WebApplication app;
        try
        {
            app = ServiceApp.Build(settings);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"recurrent: {e.Message}");
            return ExitCodes.BadInput;
        }
        using (app)
        {
            try
            {
                app.StartAsync().GetAwaiter().GetResult();
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // Kestrel logs the full trace already; the user needs the one line that says what to change.
                Console.Error.WriteLine($"recurrent: {e.Message} Stop the other service or choose another address with --urls.");
                return ExitCodes.Failure;
            }
            // The addresses Kestrel bound, however they were configured: the token rule holds for all of them.
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            if (BindingGuard.Refusal(bound, app.Services.GetRequiredService<ServiceToken>()) is { } refusal)
            {
                Console.Error.WriteLine($"recurrent: {refusal}");
                app.StopAsync().GetAwaiter().GetResult();
                return ExitCodes.BadInput;
            }
            app.Services.GetRequiredService<BindingGuard>().Open();
            app.WaitForShutdownAsync().GetAwaiter().GetResult();
        }
        return ExitCodes.Success;
    }
}
