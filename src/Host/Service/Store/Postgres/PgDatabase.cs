using System.Data.Common;
using Npgsql;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>
/// The PostgreSQL database a fleet of workers shares: a pooled data source, and the schema migrated on start
/// (under an advisory lock, see <see cref="PostgresDialect"/>).
/// </summary>
internal sealed class PgDatabase : StoreDatabase, IDisposable
{
    private readonly NpgsqlDataSource _source;

    /// <summary>
    /// How long opening a connection may take when the connection string does not say (its <c>Timeout</c>): Npgsql's
    /// own default. A stopped database or host refuses at once whatever this is, so it does not delay noticing an
    /// outage; it is the time a loaded but healthy database gets to accept before it is taken for down.
    /// </summary>
    public const int DefaultConnectTimeoutSeconds = 15;

    /// <param name="connectionString">Npgsql's connection string.</param>
    /// <param name="applicationName">How the database names this worker's connections when the string does not.</param>
    /// <param name="connectTimeoutSeconds">The connect timeout unless the string sets <c>Timeout</c>.</param>
    public PgDatabase(string connectionString, string applicationName = "recurrent", int connectTimeoutSeconds = DefaultConnectTimeoutSeconds)
        : base(PostgresDialect.Instance)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Recurrent:Postgres is not an Npgsql connection string: {e.Message}");
        }
        // The string's own Timeout wins (a key of its own: "Command Timeout" is another setting).
        if (!new DbConnectionStringBuilder { ConnectionString = connectionString }.ContainsKey("Timeout"))
            builder.Timeout = connectTimeoutSeconds;
        builder.ApplicationName ??= applicationName;
        _source = NpgsqlDataSource.Create(builder.ConnectionString);
        try
        {
            SchemaVersion = StoreSchema.Apply(this);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            _source.Dispose();
            var reason = e is TimeoutException || e.InnerException is TimeoutException
                ? $"{e.Message}: no answer within {builder.Timeout} s (Recurrent:PostgresConnectTimeoutSeconds, or the connection string's Timeout)"
                : e.Message;
            throw new InvalidOperationException($"PostgreSQL at {builder.Host}:{builder.Port} ({builder.Database}): {reason}");
        }
    }

    public override DbConnection Open() => _source.OpenConnection();

    public void Dispose() => _source.Dispose();
}
