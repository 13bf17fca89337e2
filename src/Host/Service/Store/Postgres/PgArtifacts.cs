namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>
/// Artifacts as bytea rows keyed by their data-directory path, so a run can move to a worker on another host and a
/// model trained anywhere is served everywhere, without a shared filesystem. Checkpoints and models are a few
/// megabytes at most under the run limits, well within bytea's 1 GB.
/// </summary>
internal sealed class PgArtifacts(PgDatabase database, DataDirectory data) : ArtifactStore(data)
{
    public override void Publish(string path)
    {
        var content = File.ReadAllBytes(path);
        database.Execute(
            """
            INSERT INTO artifacts (key, content, updated_at) VALUES (@key, @content, now())
            ON CONFLICT (key) DO UPDATE SET content = EXCLUDED.content, updated_at = EXCLUDED.updated_at;
            """, ("@key", Key(path)), ("@content", content));
    }

    public override bool Fetch(string path)
    {
        if (database.First("SELECT content FROM artifacts WHERE key = @key;", r => (byte[])r.GetValue(0), ("@key", Key(path)))
            is not { } content)
            return false;
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

    public override void Delete(string path)
    {
        database.Execute("DELETE FROM artifacts WHERE key = @key;", ("@key", Key(path)));
    }
}
