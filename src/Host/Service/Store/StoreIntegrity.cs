using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// The embedded store's integrity: <c>PRAGMA quick_check</c> at start and every
/// <see cref="ServiceOptions.IntegrityCheckSeconds"/>, and any statement that finds the file damaged (SQLite's
/// SQLITE_CORRUPT or SQLITE_NOTADB). A damaged store makes /healthz "degraded" with SQLite's own words, and requests
/// that touch it a 503 saying so, instead of bare 500s behind an "ok". (PostgreSQL guards its own pages.)
/// </summary>
internal sealed class StoreIntegrity(StoreDatabase database, IOptions<ServiceOptions> options, ILogger<StoreIntegrity> log) : BackgroundService
{
    private volatile string? _problem;

    /// <summary>Null while the store checked intact, else what is wrong.</summary>
    public string? Problem => _problem;

    /// <summary>Runs the check now; returns the problem found, or null.</summary>
    public string? Check()
    {
        if (database.Dialect is not Sqlite.SqliteDialect)
            return null;
        try
        {
            var found = database.Query("PRAGMA quick_check;", r => r.GetString(0));
            _problem = found is ["ok"] ? null : Describe(string.Join("; ", found.Take(5)));
        }
        catch (SqliteException e) when (IsDamage(e))
        {
            Found(e);
        }
        if (_problem is not null)
            log.LogError("The store is damaged: {Problem}", _problem);
        return _problem;
    }

    /// <summary>Records damage a request or a run ran into (the SQLite error, or what wraps it).</summary>
    public void Found(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SqliteException sqlite)
            {
                _problem = Describe(sqlite.Message);
                return;
            }
        }
        _problem = Describe(e.Message);
    }

    /// <summary>True for SQLite's errors of a damaged file.</summary>
    public static bool IsDamage(Exception e) => e switch
    {
        SqliteException s => s.SqliteErrorCode is 11 or 26, // SQLITE_CORRUPT, SQLITE_NOTADB
        _ => e.InnerException is { } inner && IsDamage(inner),
    };

    private static string Describe(string what) =>
        $"recurrent.db is damaged ({what}); stop the service and restore it from a backup (or run sqlite3's .recover)";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromSeconds(options.Value.IntegrityCheckSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Run(Check, CancellationToken.None);
            try
            {
                await Task.Delay(every, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
