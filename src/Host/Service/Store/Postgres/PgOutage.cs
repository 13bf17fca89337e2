using Npgsql;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>
/// Whether an exception says the fleet's PostgreSQL could not serve a statement for now (unreachable, a connection
/// that could not be opened or was lost, the server out of connections or shutting down, a transaction it rolled
/// back to be tried again), as opposed to a statement the database refused, which is a bug. The one meaning of an
/// outage: the API answers it 503 (a refusal stays a 500), and a run it stops goes back to the queue without a
/// failure, where a refusal, which would come back at every resume, fails the run.
/// </summary>
internal static class PgOutage
{
    public static bool Is(Exception e) => e switch
    {
        // Class 08: connection exception; 53: insufficient resources (53300 too many connections); 57P: operator
        // intervention (the server shutting down or restarting); 40: transaction rollback (a serialization failure
        // or a deadlock, which PostgreSQL asks the client to retry).
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("53", StringComparison.Ordinal)
            || p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState.StartsWith("40", StringComparison.Ordinal),
        NpgsqlException => true, // raised by the client: no connection, a timeout, a broken socket
        _ => e.InnerException is { } inner && Is(inner),
    };
}
