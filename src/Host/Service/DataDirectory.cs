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
}
