namespace Recurrent.Host.Service.Store;

/// <summary>
/// The files of the data directory that other workers need: checkpoints, models, ONNX exports, uploads. Code
/// always reads and writes them at their local path; this store makes a write visible to the fleet
/// (<see cref="Publish"/>) and brings the fleet's version to the local path before a read (<see cref="Fetch"/>).
/// The embedded store's data directory is the only copy, so there both are no-ops.
/// </summary>
internal abstract class ArtifactStore(DataDirectory data)
{
    protected DataDirectory Data { get; } = data;

    /// <summary>Stores the file just written at <paramref name="path"/> for every worker.</summary>
    public abstract void Publish(string path);

    /// <summary>Writes the stored version of <paramref name="path"/> there; false when there is none.</summary>
    public abstract bool Fetch(string path);

    /// <summary>Forgets the stored version of <paramref name="path"/> (the local file is the caller's to delete).</summary>
    public abstract void Delete(string path);

    /// <summary>The key of a file: its path relative to the data directory, with '/' separators.</summary>
    protected string Key(string path) => Path.GetRelativePath(Data.Root, path).Replace('\\', '/');
}

/// <summary>The embedded store's artifacts: the data directory itself.</summary>
internal sealed class LocalArtifacts(DataDirectory data) : ArtifactStore(data)
{
    public override void Publish(string path)
    {
    }

    public override bool Fetch(string path) => File.Exists(path);

    public override void Delete(string path)
    {
    }
}
