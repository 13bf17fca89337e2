using System.Globalization;
using Microsoft.Extensions.Options;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// <c>Recurrent:Debug:HoldFile</c>: a file naming a step at which every run this process trains pauses, after the
/// step and before its checkpoint, for as long as the file exists and names that step. Tests (and anyone reproducing
/// a fault) hold a run at a known step, do something to the process or the store, then move the step or delete
/// the file to let it go on, with no race against the training speed. A held run still honours cancel, shutdown
/// and a lost lease. Unset, nothing is read.
/// </summary>
internal sealed class TrainingHold(IOptions<ServiceOptions> options)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits while the hold file names <paramref name="step"/>; throws when <paramref name="cancellation"/> is cancelled.</summary>
    public void AtStep(long step, CancellationToken cancellation)
    {
        if (options.Value.Debug.HoldFile is not { Length: > 0 } file)
            return;
        while (HeldAt(file) == step)
        {
            cancellation.ThrowIfCancellationRequested();
            cancellation.WaitHandle.WaitOne(Poll);
        }
    }

    private static long? HeldAt(string file)
    {
        try
        {
            return long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : null;
        }
        catch (IOException)
        {
            return null; // absent (or being replaced): not held
        }
    }
}
