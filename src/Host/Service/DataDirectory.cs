namespace Recurrent.Host.Service;

/// <summary>The layout of the data directory: the store, uploaded datasets, and one folder per run.</summary>
internal sealed class DataDirectory
{
    public DataDirectory(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(DatasetsDir);
        Directory.CreateDirectory(RunsDir);
    }

    public string Root { get; }

    public string Database => Path.Combine(Root, "recurrent.db");

    public string TokenFile => Path.Combine(Root, "token");

    public string DatasetsDir => Path.Combine(Root, "datasets");

    public string RunsDir => Path.Combine(Root, "runs");

    public string DatasetFile(long id, string format) => Path.Combine(DatasetsDir, $"{id}.{format}");

    public string RunDir(long id) => Path.Combine(RunsDir, id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public string Checkpoint(long runId) => Path.Combine(RunDir(runId), "checkpoint.bin");

    public string Model(long runId) => Path.Combine(RunDir(runId), "model.bin");

    public string Onnx(long runId) => Path.Combine(RunDir(runId), "model.onnx");

    /// <summary>A message with this directory's absolute paths said relative to it, for users who need not know where it is.</summary>
    public string Relative(string message) =>
        message.Replace(Root + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(Root, ".", StringComparison.Ordinal);

    /// <summary>
    /// At start, before anything trains: removes what a killed process left half-written (atomic writes' temporary
    /// files, unfinished uploads) and the checkpoints of runs that succeeded or were cancelled, which never resume. A
    /// failed run keeps its checkpoint.
    /// </summary>
    public void RemoveTemporaryFiles(IEnumerable<long> endedRuns)
    {
        foreach (var file in Directory.EnumerateFiles(RunsDir, ".*.tmp", SearchOption.AllDirectories))
            File.Delete(file);
        foreach (var file in Directory.EnumerateFiles(DatasetsDir, ".upload-*"))
            File.Delete(file);
        // In a fleet most runs never had a folder here: they trained on other workers.
        foreach (var id in endedRuns.Where(id => Directory.Exists(RunDir(id))))
            File.Delete(Checkpoint(id));
    }
}
