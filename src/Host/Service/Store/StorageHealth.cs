using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Recurrent.Host.Service.Store;

/// <summary>
/// Whether the data directory can take writes: free space above <see cref="ServiceOptions.MinFreeDiskBytes"/> and
/// a small probe file that can be written. Mutating requests are refused with 507 while it cannot, /healthz says
/// "degraded", and both recover by themselves once space returns.
/// </summary>
internal sealed class StorageHealth(DataDirectory data, IOptions<ServiceOptions> options)
{
    private const int ProbeBytes = 16 * 1024;

    /// <summary>Null when the data directory takes writes, else why not.</summary>
    public string? Problem()
    {
        var minimum = options.Value.MinFreeDiskBytes;
        long free;
        try
        {
            free = new DriveInfo(data.Root).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return $"the data directory's free space cannot be read ({e.Message})";
        }
        if (free < minimum)
            return $"the data directory's disk has {free / 1024:N0} KiB free, less than the {minimum / 1024:N0} KiB the service keeps (Recurrent:MinFreeDiskBytes)";
        // A name of its own per check: concurrent requests probing one file would refuse each other ("in use").
        var probe = Path.Combine(data.Root, $".probe-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(new byte[ProbeBytes]);
                stream.Flush(flushToDisk: true);
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the data directory cannot be written ({e.Message})";
        }
        finally
        {
            File.Delete(probe);
        }
    }

    /// <summary>Refuses a write up front while the data directory cannot take it.</summary>
    public void EnsureWritable()
    {
        if (Problem() is { } problem)
            throw new Api.InsufficientStorageException($"{problem}; free space and retry.");
    }

    /// <summary>True for the errors of a full disk, from the file system or from SQLite.</summary>
    public static bool IsDiskFull(Exception e) => e switch
    {
        SqliteException s => s.SqliteErrorCode == 13, // SQLITE_FULL
        IOException io => io.HResult == 28 /* ENOSPC */ || (io.HResult & 0xFFFF) is 39 or 112, // Windows: disk full
        _ => e.InnerException is { } inner && IsDiskFull(inner),
    };
}
