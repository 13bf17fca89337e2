using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Http.Timeouts;

namespace Recurrent.Host.Service.Security;

/// <summary>
/// What guards the service as a web server, beside the token: the Host names it answers (DNS rebinding), the
/// headers that keep its page from being framed or fed foreign scripts, the pace and deadline of request bodies,
/// and files readable by their owner only.
/// </summary>
internal static partial class HostingDefenses
{
    /// <summary>The page's policy: its own scripts only, no framing, no plugins.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void Add(WebApplicationBuilder builder, ServiceOptions options, IReadOnlyList<string> urls)
    {
        var hosts = AllowedHosts(options, urls);
        builder.Services.AddHostFiltering(filter =>
        {
            filter.AllowedHosts = hosts;
            filter.AllowEmptyHosts = false;
            filter.IncludeFailureMessage = true;
        });
        builder.Services.AddRequestTimeouts(timeouts => timeouts.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds),
            TimeoutStatusCode = StatusCodes.Status408RequestTimeout,
            WriteTimeoutResponse = context => Problems(context, StatusCodes.Status408RequestTimeout,
                $"The request took longer than the service's limit of {options.RequestTimeoutSeconds:0.#} s (Recurrent:RequestTimeoutSeconds); it was stopped."),
        });
        builder.WebHost.ConfigureKestrel(k => k.Limits.MinRequestBodyDataRate = options.MinRequestBodyBytesPerSecond > 0
            ? new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(options.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5))
            : null);
    }

    public static void Use(WebApplication app)
    {
        app.UseHostFiltering();
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            await next(context);
        });
    }

    /// <summary>
    /// The per-request deadline. Inside the exception handler: a request cancelled by its deadline is then answered by
    /// the deadline's own 408 problem, where the handler would have seen an aborted request (499).
    /// </summary>
    public static void UseDeadline(WebApplication app) => app.UseRequestTimeouts();

    /// <summary>The configured hosts, else the loopback names, the bound addresses, and this machine's when bound to all.</summary>
    internal static List<string> AllowedHosts(ServiceOptions options, IEnumerable<string> urls)
    {
        if (options.AllowedHosts.Length > 0)
            return [.. options.AllowedHosts];
        var hosts = new List<string> { "localhost", "127.0.0.1", "[::1]" };
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
                    UriKind.Absolute, out var uri))
                continue;
            if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
                hosts.AddRange(ThisMachine());
            else
                hosts.Add(uri.Host);
        }
        return [.. hosts.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    private static IEnumerable<string> ThisMachine()
    {
        yield return Environment.MachineName;
        yield return Dns.GetHostName();
        foreach (var address in NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses))
            yield return address.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address.Address}]" : address.Address.ToString();
    }

    /// <summary>
    /// Every file and folder the process creates is its owner's alone (0600, 0700), whoever writes it (the store, the
    /// trainer, ONNX Runtime); what an older version left readable in the data directory is narrowed at start.
    /// </summary>
    public static void OwnerOnly(DataDirectory data)
    {
        if (OperatingSystem.IsWindows())
            return;
        SetUmask(0b000_111_111);
        foreach (var entry in new DirectoryInfo(data.Root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Append(new DirectoryInfo(data.Root)))
        {
            try
            {
                entry.UnixFileMode = entry is DirectoryInfo
                    ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another owner's file in our directory: left as it is.
            }
        }
    }

    private static Task Problems(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        return Api.Problems.Make(status, detail, null).ExecuteAsync(context);
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint SetUmask(uint mask);
}
