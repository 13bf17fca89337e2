using System.Runtime.InteropServices;

namespace Recurrent.Host.Service.Predictions;

/// <summary>
/// The native heap ONNX Runtime allocates from once its arena is off. glibc serves a block above its mmap threshold
/// with a mapping of its own, returned to the system when freed, but raises that threshold to the size of every such
/// block freed: after a few large predictions their activations come from the heap instead, which keeps the memory
/// (peak RSS of the largest prediction repeated rose from 316 to 688 MiB). A fixed threshold stops the raising.
/// </summary>
internal static partial class NativeHeap
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD
    private const int ThresholdBytes = 256 * 1024;
    private static int _done;

    /// <summary>Fixes glibc's mmap threshold at 256 KiB, once per process; elsewhere (not Linux, not glibc) nothing.</summary>
    public static void ReturnLargeBlocks()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _done, 1) == 1)
            return;
        try
        {
            _ = SetOption(MmapThreshold, ThresholdBytes);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // A C library without mallopt (musl has it as a no-op): its own policy stands.
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int SetOption(int parameter, int value);
}
