using System.Data.Common;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// The database under the stores, SQLite or PostgreSQL (<see cref="Dialect"/>): a connection per operation, and
/// the one way a command is built. Parameters are written <c>@name</c> in the SQL and named the same here.
/// </summary>
internal abstract class StoreDatabase(SqlDialect dialect)
{
    public SqlDialect Dialect { get; } = dialect;

    /// <summary>The schema version the store is at (reported by /healthz).</summary>
    public int SchemaVersion { get; protected set; }

    public abstract DbConnection Open();

    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Bind(command.Parameters, command.CreateParameter, parameters);
        return command;
    }

    public static int Execute(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteScalar() is var value && value is DBNull ? null : value;
    }

    /// <summary>
    /// One statement for each row of parameters, inside the caller's transaction: one round trip where the driver
    /// batches (PostgreSQL), else one prepared command executed again (SQLite, in process). Returns the rows changed.
    /// </summary>
    public static int ExecuteEach(DbConnection connection, string sql, IEnumerable<(string Name, object? Value)[]> rows)
    {
        if (connection.CanCreateBatch)
        {
            using var batch = connection.CreateBatch();
            foreach (var row in rows)
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = sql;
                Bind(command.Parameters, command.CreateParameter, row);
                batch.BatchCommands.Add(command);
            }
            return batch.BatchCommands.Count > 0 ? batch.ExecuteNonQuery() : 0;
        }
        using var prepared = connection.CreateCommand();
        prepared.CommandText = sql;
        var changed = 0;
        foreach (var row in rows)
        {
            prepared.Parameters.Clear();
            Bind(prepared.Parameters, prepared.CreateParameter, row);
            changed += prepared.ExecuteNonQuery();
        }
        return changed;
    }

    /// <summary>Every row of a query on a connection of its own, read by <paramref name="read"/>.</summary>
    public List<T> Query<T>(string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var connection = Open();
        return Query(connection, sql, read, parameters);
    }

    public static List<T> Query<T>(DbConnection connection, string sql, Func<DbDataReader, T> read,
        params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
            rows.Add(read(reader));
        return rows;
    }

    /// <summary>The first row of a query, or null when there is none.</summary>
    public T? First<T>(string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters)
        where T : class
    {
        using var connection = Open();
        return First(connection, sql, read, parameters);
    }

    public static T? First<T>(DbConnection connection, string sql, Func<DbDataReader, T> read,
        params (string Name, object? Value)[] parameters)
        where T : class
    {
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        return reader.Read() ? read(reader) : null;
    }

    /// <summary>A statement on a connection of its own; returns the rows it changed.</summary>
    public int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = Open();
        return Execute(connection, sql, parameters);
    }

    private static void Bind(DbParameterCollection into, Func<DbParameter> create, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            into.Add(parameter);
        }
    }
}
