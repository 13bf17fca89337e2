using System.Security.Cryptography;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// The files of the data directory that outlive a request: checkpoints, models, ONNX exports, uploads. Code always
/// reads and writes them at their local path; this store records each one's SHA-256 when it is written
/// (<see cref="Publish(string)"/>, fenced by the run's lease for a run's files) and checks it whenever the file is
/// read (<see cref="Ensure"/>, <see cref="Fetch"/>), so a damaged file is named, never used. In a fleet it also keeps
/// the content, so every worker can bring the fleet's version to its local path; the embedded store's data directory
/// is the only copy.
/// </summary>
internal abstract class ArtifactStore(DataDirectory data, StoreDatabase database, RunFence fence)
{
    protected DataDirectory Data { get; } = data;

    protected StoreDatabase Database { get; } = database;

    /// <summary>Records the file just written at <paramref name="path"/> (an upload: no run holds it).</summary>
    public void Publish(string path) => Store(path, null);

    /// <summary>The same inside the caller's transaction (an upload recorded with its dataset's row).</summary>
    public void Publish(System.Data.Common.DbConnection connection, string path) => Store(connection, path, File.ReadAllBytes(path), null);

    /// <summary>Records a file of a run its worker holds; <see cref="LeaseLostException"/>, recording nothing, when it does not.</summary>
    public void Publish(string path, RunLease lease) => Store(path, lease);

    /// <summary>
    /// Replaces a run's file that is rewritten while the run trains (its checkpoint) so that a kill at any moment
    /// leaves, at <paramref name="path"/>, a version the store vouches for. <paramref name="write"/> writes the new
    /// content beside it; its digest is recorded as staged; it is renamed over the old file; then it is published.
    /// Between the rename and the publish the file is the staged version, and <see cref="Verify"/> accepts it.
    /// <paramref name="reached"/> is told each point passed (a debug hold uses it to stop a process there).
    /// </summary>
    public void Replace(string path, RunLease lease, Action<string> write, Action<ReplacePoint>? reached = null)
    {
        var staged = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.staged.tmp");
        write(staged);
        reached?.Invoke(ReplacePoint.Written);
        var content = File.ReadAllBytes(staged);
        InTransaction(connection => RecordDigest(connection, StagedKey(Key(path)), content, lease));
        reached?.Invoke(ReplacePoint.Staged);
        File.Move(staged, path, overwrite: true);
        reached?.Invoke(ReplacePoint.Renamed);
        // The content just renamed into place: published without reading it again.
        InTransaction(connection => Store(connection, path, content, lease));
    }

    /// <summary>
    /// Brings the stored version of <paramref name="path"/> there (a fleet: the latest, from the store), checked
    /// against its digest; false when there is none. <see cref="DamagedFileException"/> when it does not match.
    /// </summary>
    public abstract bool Fetch(string path);

    /// <summary>
    /// Makes sure <paramref name="path"/> is there and intact, for a reader: the local copy when it matches its
    /// digest, else (a fleet) the stored one; false when the file does not exist. <see cref="DamagedFileException"/>
    /// when neither matches.
    /// </summary>
    public virtual bool Ensure(string path)
    {
        if (!File.Exists(path))
            return Fetch(path);
        Verify(path, File.ReadAllBytes(path));
        return true;
    }

    /// <summary>Forgets <paramref name="path"/> (the local file is the caller's to delete); for runs that ended.</summary>
    public void Delete(string path)
    {
        InTransaction(connection =>
        {
            StoreDatabase.Execute(connection, "DELETE FROM file_digests WHERE key IN (@key, @staged);",
                ("@key", Key(path)), ("@staged", StagedKey(Key(path))));
            DeleteContent(connection, Key(path));
        });
    }

    /// <summary>The key of a file: its path relative to the data directory, with '/' separators.</summary>
    protected string Key(string path) => Path.GetRelativePath(Data.Root, path).Replace('\\', '/');

    // The digest of a file written but not yet published (see Replace): a row of its own, so no schema changes.
    private static string StagedKey(string key) => key + "#staged";

    /// <summary>In the caller's transaction: keeps the content for other workers (a fleet).</summary>
    protected abstract void StoreContent(System.Data.Common.DbConnection connection, string key, byte[] content);

    protected abstract void DeleteContent(System.Data.Common.DbConnection connection, string key);

    /// <summary>Throws <see cref="DamagedFileException"/> when <paramref name="content"/> is not what was stored as <paramref name="path"/>.</summary>
    protected void Verify(string path, byte[] content)
    {
        var recorded = Database.First("SELECT sha256, size_bytes FROM file_digests WHERE key = @key;",
            r => Tuple.Create(r.GetString(0), r.GetInt64(1)), ("@key", Key(path)));
        if (recorded is null)
            return; // written before digests were kept: nothing to check against
        var (expected, size) = recorded;
        var actual = Convert.ToHexStringLower(SHA256.HashData(content));
        if (actual != expected && actual != StagedDigest(path))
            throw new DamagedFileException(Key(path),
                $"{Key(path)} is damaged: {content.Length:N0} bytes with SHA-256 {actual[..16]}…, but {size:N0} bytes with SHA-256 " +
                $"{expected[..16]}… were stored. It is not used; restore it from a backup or train the run again.");
    }

    // A process killed between Replace's rename and its publish left the staged version at the path: intact.
    private string? StagedDigest(string path) =>
        Database.First("SELECT sha256 FROM file_digests WHERE key = @key;", r => r.GetString(0), ("@key", StagedKey(Key(path))));

    private void Store(string path, RunLease? lease) => InTransaction(connection => Store(connection, path, File.ReadAllBytes(path), lease));

    private void InTransaction(Action<System.Data.Common.DbConnection> write)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        write(connection);
        transaction.Commit();
    }

    private void Store(System.Data.Common.DbConnection connection, string path, byte[] content, RunLease? lease)
    {
        var key = Key(path);
        RecordDigest(connection, key, content, lease);
        // Published: a staged version (see Replace) is now either this one or superseded by it.
        StoreDatabase.Execute(connection, "DELETE FROM file_digests WHERE key = @staged;", ("@staged", StagedKey(key)));
        StoreContent(connection, key, content);
    }

    private void RecordDigest(System.Data.Common.DbConnection connection, string key, byte[] content, RunLease? lease)
    {
        (string, object?)[] values = [("@key", key), ("@sha", Convert.ToHexStringLower(SHA256.HashData(content))), ("@size", (long)content.Length)];
        var recorded = lease is { } held
            ? StoreDatabase.Execute(connection,
                $"""
                INSERT INTO file_digests (key, sha256, size_bytes) SELECT @key, @sha, @size WHERE {fence.Holds}
                ON CONFLICT (key) DO UPDATE SET sha256 = EXCLUDED.sha256, size_bytes = EXCLUDED.size_bytes;
                """, [.. values, .. held.Parameters])
            : StoreDatabase.Execute(connection,
                """
                INSERT INTO file_digests (key, sha256, size_bytes) VALUES (@key, @sha, @size)
                ON CONFLICT (key) DO UPDATE SET sha256 = EXCLUDED.sha256, size_bytes = EXCLUDED.size_bytes;
                """, values);
        if (recorded == 0)
            throw new LeaseLostException(lease!.Value.RunId); // the caller's transaction is not committed: nothing recorded
    }
}

/// <summary>The embedded store's artifacts: the data directory itself, with each file's digest in the store.</summary>
internal sealed class LocalArtifacts(DataDirectory data, StoreDatabase database, RunFence fence) : ArtifactStore(data, database, fence)
{
    public override bool Fetch(string path)
    {
        if (!File.Exists(path))
            return false;
        Verify(path, File.ReadAllBytes(path));
        return true;
    }

    protected override void StoreContent(System.Data.Common.DbConnection connection, string key, byte[] content)
    {
    }

    protected override void DeleteContent(System.Data.Common.DbConnection connection, string key)
    {
    }
}

/// <summary>The points <see cref="ArtifactStore.Replace"/> passes, in order.</summary>
internal enum ReplacePoint
{
    /// <summary>The new content is written beside the file; nothing is recorded yet.</summary>
    Written,

    /// <summary>Its digest is recorded as staged; the old file is still in place.</summary>
    Staged,

    /// <summary>It is renamed over the old file, not yet published.</summary>
    Renamed,
}

/// <summary>A stored file whose content is not what was stored: named, never used (500 problem+json naming it).</summary>
internal sealed class DamagedFileException(string file, string message) : Api.ApiProblemException("file", message)
{
    /// <summary>The file, relative to the data directory.</summary>
    public string File { get; } = file;

    public override int Status => StatusCodes.Status500InternalServerError;

    public override Api.ApiProblemException At(string? field, string message) => new DamagedFileException(File, message);
}
