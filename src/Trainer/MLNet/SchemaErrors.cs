using Microsoft.ML;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Schema errors in ML.NET's own words ("Schema mismatch for label column 'Label': expected Boolean, got
/// Key&lt;UInt32, 0-2&gt;"; "Could not find feature column 'X'"), the same whether the check runs in a pipeline
/// (on a <see cref="SchemaShape"/>) or at Fit (on the real schema).
/// </summary>
internal static class SchemaErrors
{
    public static ArgumentOutOfRangeException Mismatch(string role, string column, string expected, string actual) =>
        new(column, $"Schema mismatch for {role} column '{column}': expected {expected}, got {actual}.");

    public static ArgumentOutOfRangeException NotFound(string role, string column, IEnumerable<string> available) =>
        new(column, $"Could not find {role} column '{column}' (the data has: {string.Join(", ", available.Distinct())}).");

    /// <summary>
    /// The pipeline column <paramref name="column"/>, which must be a vector of keys (a tagger's or an encoder–decoder's
    /// columns); else the error naming it, its type and <paramref name="expected"/>.
    /// </summary>
    public static SchemaShape.Column RequireKeyVector(SchemaShape schema, string role, string column, string expected)
    {
        if (schema.Where(c => c.Name == column).Select(c => (SchemaShape.Column?)c).LastOrDefault() is not { } found)
            throw NotFound(role, column, schema.Select(c => c.Name));
        if (!found.IsKey || found.Kind == SchemaShape.Column.VectorKind.Scalar)
            throw Mismatch(role, column, expected, Describe(found));
        return found;
    }

    /// <summary>A pipeline column's type as ML.NET prints types: Key&lt;UInt32&gt;, Vector&lt;Single&gt;, Boolean.</summary>
    public static string Describe(SchemaShape.Column column)
    {
        var item = column.IsKey ? $"Key<{column.ItemType}>" : $"{column.ItemType}";
        return column.Kind == SchemaShape.Column.VectorKind.Scalar ? item : $"Vector<{item}>";
    }
}
