namespace Recurrent.Host.Service.Store;

/// <summary>Uploaded datasets' descriptions; the files are in the data directory (and, in a fleet, in the artifacts).</summary>
internal abstract class DatasetStore
{
    /// <summary>
    /// Reserves an id and records the dataset in one transaction; <paramref name="place"/> moves the validated file
    /// into place under that id before the commit, so a failure leaves neither row nor file.
    /// </summary>
    public abstract DatasetRecord Add(DatasetRecord description, Action<long> place);

    public abstract DatasetRecord? Get(long id);

    public abstract IReadOnlyList<DatasetRecord> List();
}
