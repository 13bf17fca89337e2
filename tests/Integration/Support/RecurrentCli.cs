using System.Diagnostics;
using System.Text.Json;

namespace Recurrent.Integration.Tests.Support;

/// <summary>Runs the built `recurrent` executable (copied next to the tests) as a user would, capturing its output.</summary>
internal static class RecurrentCli
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public JsonElement Json => JsonDocument.Parse(Output).RootElement;
    }

    public static string Assembly => Path.Combine(AppContext.BaseDirectory, "recurrent.dll");

    public static Result Run(params string[] arguments) => RunWithInput(null, arguments);

    /// <summary>As <see cref="Run"/>, with <paramref name="input"/> (when given) written to its standard input.</summary>
    public static Result RunWithInput(string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Assembly);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start recurrent.");
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"recurrent {string.Join(' ', arguments)} did not finish in three minutes.");
        }
        return new Result(process.ExitCode, output, error.Result);
    }
}
