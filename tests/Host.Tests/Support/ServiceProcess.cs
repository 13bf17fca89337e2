using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Recurrent.Host.Tests.Support;

/// <summary>
/// `recurrent serve` as a child process on a free loopback port, on a data directory the test owns, so tests see
/// the real server, real SQLite and real files, and can kill it like a crash or stop it like an operator.
/// </summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, string dataDir, int port, string? token)
    {
        _process = process;
        DataDir = dataDir;
        Port = port;
        // A generous bound on one request: the largest predictions take long on a loaded machine.
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
        if (token is not null)
            Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
    }

    /// <summary>
    /// The service under test: the build beside the tests, or <c>RECURRENT_TEST_DLL</c> (another build's
    /// recurrent.dll, to show that a test fails on the code before a fix).
    /// </summary>
    public static string RecurrentDll =>
        Environment.GetEnvironmentVariable("RECURRENT_TEST_DLL") is { Length: > 0 } other
            ? other
            : Path.Combine(AppContext.BaseDirectory, "recurrent.dll");

    public const string TestToken = "test-token-0123456789abcdef";

    public string DataDir { get; }

    public int Port { get; }

    /// <summary>A client carrying the token the service was started with (if any).</summary>
    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public static string NewDataDir() => Directory.CreateTempSubdirectory("recurrent-service-test-").FullName;

    /// <summary>Starts the service and waits for /healthz; <paramref name="token"/> null leaves the token to the service.</summary>
    public static async Task<ServiceProcess> StartAsync(string dataDir, string? token = TestToken, bool demo = false,
        params string[] extraArgs) => await StartAsync(dataDir, new Dictionary<string, string>(), token, demo, extraArgs);

    /// <summary>Starts the service; with <paramref name="waitHealthy"/> false, waits only for it to answer /healthz at all (a degraded start).</summary>
    public static async Task<ServiceProcess> StartAsync(string dataDir, string[] extraArgs, bool waitHealthy)
    {
        var port = FreePort();
        var process = Start(dataDir, $"http://127.0.0.1:{port}", TestToken, new Dictionary<string, string>(), ["--no-demo", .. extraArgs]);
        var service = new ServiceProcess(process, dataDir, port, TestToken);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await service.WaitHealthyAsync(waitHealthy ? HttpStatusCode.OK : null);
        return service;
    }

    /// <summary>Starts the service with extra environment variables and waits for /healthz.</summary>
    public static async Task<ServiceProcess> StartAsync(string dataDir, IReadOnlyDictionary<string, string> environment,
        string? token = TestToken, bool demo = false, params string[] extraArgs)
    {
        var port = FreePort();
        var process = Start(dataDir, $"http://127.0.0.1:{port}", token, environment, demo ? extraArgs : ["--no-demo", .. extraArgs]);
        var service = new ServiceProcess(process, dataDir, port, token);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await service.WaitHealthyAsync();
        return service;
    }

    /// <summary>Starts the service without waiting (and with the demo unless told --no-demo), for starts that are expected to fail.</summary>
    public static Process Start(string dataDir, string urls, string? token, params string[] extraArgs) =>
        Start(dataDir, urls, token, new Dictionary<string, string>(), extraArgs);

    /// <summary>Like <see cref="Start(string, string, string?, string[])"/>, with extra environment variables.</summary>
    public static Process Start(string dataDir, string urls, string? token, IReadOnlyDictionary<string, string> environment,
        params string[] extraArgs)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { RecurrentDll, "serve", "--urls", urls, "--data-dir", dataDir }.Concat(extraArgs))
            info.ArgumentList.Add(arg);
        info.Environment.Remove("RECURRENT_TOKEN");
        if (token is not null)
            info.Environment["RECURRENT_TOKEN"] = token;
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        return Process.Start(info)!;
    }

    /// <summary>Like a crash: SIGKILL, no chance to checkpoint.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Like an operator or an orchestrator: SIGTERM, then wait for the process to exit by itself.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (SendSignal(_process.Id, 15) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed");
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGSTOP: the process is paused, as by a long GC pause, a debugger or a VM stall, holding what it holds.</summary>
    public void Pause() => Signal(19);

    /// <summary>SIGCONT: the paused process goes on where it stopped.</summary>
    public void Resume() => Signal(18);

    private void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process's id, for reading /proc/ID.</summary>
    public int ProcessId => _process.Id;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
            Kill();
        _process.Dispose();
        await Task.CompletedTask;
    }

    private async Task WaitHealthyAsync(HttpStatusCode? status = HttpStatusCode.OK)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"recurrent serve exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await Client.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK || (status is null && response.StatusCode == HttpStatusCode.ServiceUnavailable
                        && response.Content.Headers.ContentType?.MediaType == "application/json"))
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"recurrent serve did not become healthy:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>kill(2): sends <paramref name="signal"/> to <paramref name="pid"/>; 0 on success.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int SendSignal(int pid, int signal);
}
