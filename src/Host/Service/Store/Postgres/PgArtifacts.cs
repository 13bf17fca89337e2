using System.Data.Common;

namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>
/// Artifacts as bytea rows keyed by their data-directory path, so a run can move to a worker on another host and a
/// model trained anywhere is served everywhere, without a shared filesystem. Checkpoints and models are a few
/// megabytes at most under the run limits, well within bytea's 1 GB. The content and its digest are written in one
/// transaction, fenced like every write of a run's worker.
/// </summary>
internal sealed class PgArtifacts(PgDatabase database, DataDirectory data, RunFence fence) : ArtifactStore(data, database, fence)
{
    public override bool Fetch(string path)
    {
        if (Database.First("SELECT content FROM artifacts WHERE key = @key;", r => (byte[])r.GetValue(0), ("@key", Key(path)))
            is not { } content)
            return false;
        Verify(path, content);
        // Written beside and renamed, like every file of the data directory, so a reader never sees half of it.
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        return true;
    }

    /// <summary>A damaged local copy is replaced by the stored one, when that one is intact.</summary>
    public override bool Ensure(string path)
    {
        try
        {
            return base.Ensure(path);
        }
        catch (DamagedFileException)
        {
            return Fetch(path);
        }
    }

    protected override void StoreContent(DbConnection connection, string key, byte[] content) =>
        StoreDatabase.Execute(connection,
            """
            INSERT INTO artifacts (key, content, updated_at) VALUES (@key, @content, now())
            ON CONFLICT (key) DO UPDATE SET content = EXCLUDED.content, updated_at = EXCLUDED.updated_at;
            """, ("@key", key), ("@content", content));

    protected override void DeleteContent(DbConnection connection, string key) =>
        StoreDatabase.Execute(connection, "DELETE FROM artifacts WHERE key = @key;", ("@key", key));
}
