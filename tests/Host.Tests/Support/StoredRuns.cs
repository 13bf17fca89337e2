using Microsoft.Data.Sqlite;

namespace Recurrent.Host.Tests.Support;

/// <summary>What a service's embedded store holds for a run, read straight from its recurrent.db, for tests that look past the API.</summary>
internal static class StoredRuns
{
    /// <summary>The first column of the first row of <paramref name="sql"/>, whose <c>$id</c> is <paramref name="id"/>.</summary>
    public static object? Scalar(string dataDir, string sql, long id)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "recurrent.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteScalar();
    }

    /// <summary>The run's events, one "kind: message" a line ("" when it has none).</summary>
    public static string Events(string dataDir, long id) =>
        Scalar(dataDir, "SELECT group_concat(kind || ': ' || message, char(10)) FROM events WHERE run_id = $id", id) as string ?? "";
}
