using Npgsql;
using Recurrent.Host.Service.Store.Postgres;

namespace Recurrent.Host.Tests.Service.Store;

/// <summary>
/// What an outage of the fleet's PostgreSQL is: the server could not serve a statement for now (no connection, out
/// of connections, shutting down, a transaction to retry), not a statement it refused.
/// </summary>
public sealed class PgOutageTests
{
    [Theory]
    [InlineData("08006", true)] // connection failure
    [InlineData("53300", true)] // too many connections
    [InlineData("57P01", true)] // admin shutdown
    [InlineData("40001", true)] // serialization failure: retry
    [InlineData("40P01", true)] // deadlock detected: retry
    [InlineData("23505", false)] // unique violation: a refused statement
    [InlineData("42P01", false)] // undefined table
    [InlineData("P0001", false)] // raised by a trigger
    public void A_server_error_is_an_outage_only_when_the_server_could_not_serve_it_for_now(string sqlState, bool outage)
    {
        var refusal = new PostgresException("message", "ERROR", "ERROR", sqlState);
        Assert.Equal(outage, PgOutage.Is(refusal));
        // Wrapped as the training loop and the stores wrap it.
        Assert.Equal(outage, PgOutage.Is(new InvalidOperationException("outer", new AggregateException(refusal))));
    }

    [Fact]
    public void A_client_side_error_is_an_outage_and_other_exceptions_are_not()
    {
        Assert.True(PgOutage.Is(new NpgsqlException("Exception while connecting", new System.Net.Sockets.SocketException())));
        Assert.True(PgOutage.Is(new InvalidOperationException("outer", new NpgsqlException("timeout"))));
        Assert.False(PgOutage.Is(new InvalidOperationException("no store here")));
        Assert.False(PgOutage.Is(new IOException("No space left on device")));
    }
}
