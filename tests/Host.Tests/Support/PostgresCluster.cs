using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;

namespace Recurrent.Host.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster started by <c>scripts/postgres.sh</c> for a test collection; each test takes a
/// database of its own (<see cref="NewDatabase"/>), so tests share the server but never each other's rows.
/// </summary>
public sealed partial class PostgresCluster : IDisposable
{
    private readonly string _dir;
    private int _databases;

    public PostgresCluster()
    {
        var (output, error) = Script("start");
        ConnectionString = output.Trim();
        _dir = ClusterDir().Match(error) is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException($"postgres.sh printed no cluster folder:\n{error}");
    }

    /// <summary>The cluster's maintenance database (<c>postgres</c>).</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// A new, empty database on the cluster; its connection string. With <paramref name="connectTimeoutSeconds"/> the
    /// string sets Npgsql's connection timeout, which the service otherwise sets to
    /// <c>Recurrent:PostgresConnectTimeoutSeconds</c> (15 s): a test may give a loaded machine longer still.
    /// </summary>
    public string NewDatabase(int? connectTimeoutSeconds = null)
    {
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        // Unpooled: a pooled connection would be a dead one after a test restarted the server.
        using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
            command.ExecuteNonQuery();
        }
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name };
        if (connectTimeoutSeconds is int seconds)
            builder.Timeout = seconds;
        return builder.ConnectionString;
    }

    /// <summary>Stops the server (fast: open connections are cut); <see cref="Start"/> brings it back.</summary>
    public void Stop() => PgCtl("-m fast -w stop");

    /// <summary>Starts the stopped server again with the options scripts/postgres.sh gave it (same port and socket folder).</summary>
    public void Start()
    {
        var port = new NpgsqlConnectionStringBuilder(ConnectionString).Port;
        PgCtl("-w -t 30 start", $"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={_dir} -c fsync=off");
    }

    private void PgCtl(string arguments, string? serverOptions = null)
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Order().Last() + "/bin/pg_ctl";
        var root = Environment.UserName == "root";
        var info = root ? new ProcessStartInfo("runuser") : new ProcessStartInfo(bin);
        if (root)
        {
            foreach (var a in new[] { "-u", "postgres", "--", bin })
                info.ArgumentList.Add(a);
        }
        foreach (var a in $"-D {_dir}/data -l {_dir}/server.log {arguments}".Split(' '))
            info.ArgumentList.Add(a);
        if (serverOptions is not null)
        {
            info.ArgumentList.Add("-o");
            info.ArgumentList.Add(serverOptions);
        }
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"pg_ctl {arguments} failed: {error}");
    }

    public void Dispose() => Script("stop", _dir);

    /// <summary>The repository's <c>scripts/</c>, found from the test binaries upwards.</summary>
    private static string ScriptPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "scripts", "postgres.sh");
            if (File.Exists(script))
                return script;
        }
        throw new FileNotFoundException("scripts/postgres.sh not found above " + AppContext.BaseDirectory);
    }

    private static (string Output, string Error) Script(params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(ScriptPath());
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"postgres.sh {string.Join(' ', arguments)} exited {process.ExitCode}:\n{error.Result}");
        return (output, error.Result);
    }

    [GeneratedRegex(@"cluster in (\S+)")]
    private static partial Regex ClusterDir();
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}
