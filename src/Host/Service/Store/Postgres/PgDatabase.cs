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

    /// <param name="connectionString">Npgsql's connection string.</param>
    /// <param name="applicationName">How the database names this worker's connections when the string does not.</param>
    public PgDatabase(string connectionString, string applicationName = "recurrent")
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
        // A worker that lost the database notices within seconds rather than hanging on a dead socket.
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
            builder.Timeout = 5;
        builder.ApplicationName ??= applicationName;
        _source = NpgsqlDataSource.Create(builder.ConnectionString);
        try
        {
            SchemaVersion = StoreSchema.Apply(this);
        }
        catch (NpgsqlException e)
        {
            _source.Dispose();
            throw new InvalidOperationException($"PostgreSQL at {builder.Host}:{builder.Port} ({builder.Database}): {e.Message}");
        }
    }

    public override DbConnection Open() => _source.OpenConnection();

    public void Dispose() => _source.Dispose();
}
